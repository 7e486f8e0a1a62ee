package dev.lathe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.lathe.inference.BatchScheduler;
import dev.lathe.inference.HubSettings;
import dev.lathe.inference.PrefixCache;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobStatus;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.RandomIdGenerator;
import dev.lathe.server.evals.EvalStore;
import dev.lathe.server.jobs.TrainableBases;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.FileStore;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.store.ServerSchema;
import dev.lathe.server.store.StoreCache;
import dev.lathe.server.store.StoredCompletions;
import dev.lathe.server.telemetry.ServerMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * What {@code lathe serve} and {@code lathe worker} share, built once from a {@link ServerConfig}:
 * the pooled database (opened and migrated here, once), the stores on it, the uploaded files on
 * disk, the JSON mapper, and the sources of time, ids and seeds.
 *
 * <p>{@link LatheServer} builds its routes and in-process {@link JobWorkers} from one instance;
 * {@code lathe worker} starts {@link JobWorkers} from one instance without HTTP. Nothing here is
 * built a second time elsewhere, so the server, its workers and a worker process see the same
 * stores. Closing closes the database pool; whoever opened the services closes them, after
 * everything that uses them has stopped.
 *
 * @param config the settings everything was built from
 * @param hub where base models not named in the config are downloaded from
 * @param db the connection pool on the database, with the whole schema up to date
 * @param jobs the job queue
 * @param files the uploaded files' rows
 * @param contents the uploaded files' bytes, in the object store's {@code files/}
 * @param stored the object store ({@link ServerConfig#storage()}) and this process's local copies
 *     of what it downloaded from it
 * @param fineTuned the fine-tuned models' rows
 * @param progress the jobs' progress (metrics, checkpoints) so far
 * @param completions the stored chat completions ({@code "store": true})
 * @param bases the models a job may fine-tune from
 * @param json the one JSON mapper of requests, responses and stored payloads
 * @param clock wall-clock time (timestamps, leases)
 * @param ids the ids of requests, files, models and events
 * @param seeds a job's or a sampling request's seed when none was given
 * @param nanoTime a monotonic clock, for throughput measurements
 * @param metrics this process's operator metrics (the stores' gauges are read at each scrape)
 * @param evals the evals, their runs and graded items
 */
public record Services(
    ServerConfig config,
    HubSettings hub,
    HikariDataSource db,
    JobStore jobs,
    FileStore files,
    FileContents contents,
    StoreCache stored,
    FineTunedModels fineTuned,
    JobProgress progress,
    StoredCompletions completions,
    TrainableBases bases,
    ObjectMapper json,
    InstantSource clock,
    Ids ids,
    LongSupplier seeds,
    LongSupplier nanoTime,
    ServerMetrics metrics,
    EvalStore evals)
    implements AutoCloseable {

  /** Database connections kept open for the request threads and the workers. */
  static final int DB_CONNECTIONS = 8;

  /** The services of {@code config} with the system clock and secure randomness. */
  public static Services open(ServerConfig config, HubSettings hub) throws IOException {
    return open(config, hub, InstantSource.system(), Ids.secure(), new SecureRandom()::nextLong);
  }

  /**
   * The services of {@code config} with the given time, ids and seeds (tests fix them); the
   * monotonic clock is {@link System#nanoTime()}.
   */
  static Services open(
      ServerConfig config, HubSettings hub, InstantSource clock, Ids ids, LongSupplier seeds)
      throws IOException {
    HikariDataSource db = openDatabase(config, clock);
    try {
      StoreCache stored =
          new StoreCache(
              config.storage().open(config.dataDir()),
              config.dataDir().resolve("cache"),
              config.storage().cacheMaxBytes());
      FineTunedModels fineTuned = new FineTunedModels(db);
      ObjectMapper json = new ObjectMapper();
      JobStore jobs =
          new JdbcJobStore(
              db,
              config.dbUrl() == null ? JdbcDialect.SQLITE : JdbcDialect.POSTGRESQL,
              clock,
              new RandomIdGenerator());
      FileStore files = new FileStore(db);
      LongSupplier nanoTime = System::nanoTime;
      ServerMetrics metrics = ServerMetrics.create(clock, nanoTime);
      metrics.readJobs(
          () -> byWireName(jobs.countByStatus(Job.FINE_TUNE)), JobStatus.QUEUED.wireName());
      metrics.readFileBytes(files::totalBytes);
      return new Services(
          config,
          hub,
          db,
          jobs,
          files,
          new FileContents(stored, config.dataDir().resolve("tmp")),
          stored,
          fineTuned,
          new JobProgress(db, json),
          new StoredCompletions(db, json),
          new TrainableBases(config.models(), config.aliases(), fineTuned, hub, stored),
          json,
          clock,
          ids,
          seeds,
          nanoTime,
          metrics,
          new EvalStore(db, json));
    } catch (IOException | RuntimeException e) {
      db.close();
      throw e;
    }
  }

  /**
   * Creates the data dir, opens a pool on its database (or PostgreSQL) and brings the whole schema,
   * the job queue's tables and the server's, up to date.
   */
  private static HikariDataSource openDatabase(ServerConfig config, InstantSource clock)
      throws IOException {
    Path dataDir = Files.createDirectories(config.dataDir());
    HikariDataSource db =
        JdbcDataSources.pooled(
            config.dbUrl() == null
                ? JdbcDataSources.sqlite(dataDir.resolve("lathe.db"))
                : JdbcDataSources.postgresql(config.dbUrl(), null, null),
            "lathe-db",
            DB_CONNECTIONS);
    try {
      ServerSchema.migrate(db, config.dbUrl() != null, clock);
    } catch (SQLException e) {
      db.close();
      throw new IOException("cannot prepare the database: " + e.getMessage(), e);
    }
    return db;
  }

  private static Map<String, Long> byWireName(Map<JobStatus, Long> counts) {
    Map<String, Long> named = new TreeMap<>();
    counts.forEach((status, n) -> named.put(status.wireName(), n));
    return named;
  }

  /**
   * A registry of the configured models and the fine-tunes (downloaded from the store on first
   * use), loading weights on first use within {@code memoryBudget} bytes; its owner closes it.
   */
  ModelRegistry openModels(long memoryBudget) {
    return new ModelRegistry(
        config.models(),
        config.aliases(),
        fineTuned,
        hub,
        memoryBudget,
        stored,
        config.serving().loadOptions());
  }

  /**
   * A scheduler that decodes the concurrent completions of one base together, with a prefix cache,
   * as {@link ServerConfig.Serving} sets them; its counters are read into the metrics, tagged
   * {@code use} (who runs completions through it: {@code api}, {@code workers}).
   */
  BatchScheduler newScheduler(String use) {
    BatchScheduler s =
        new BatchScheduler(
            config.serving().maxBatch(),
            new PrefixCache(config.serving().prefixCacheBytes()),
            seeds,
            Thread.ofPlatform().daemon().name("lathe-batch-", 0).factory());
    PrefixCache p = s.prefixes();
    metrics.readBatching(use, s::steps, s::rows, p::hits, p::reusedTokens, p::bytes);
    return s;
  }

  /**
   * Where jobs keep their runs (checkpoints, adapters, merged models): with the local store the
   * stored runs themselves, with a remote store this worker's scratch copies of them.
   */
  Path jobsDir() {
    return config.dataDir().resolve("jobs");
  }

  /** Closes the metrics registry, the database pool and the object store's connections. */
  @Override
  public void close() {
    metrics.close();
    db.close();
    if (stored.store() instanceof AutoCloseable store) {
      try {
        store.close();
      } catch (Exception e) {
        System.getLogger(Services.class.getName())
            .log(System.Logger.Level.WARNING, "closing the object store failed", e);
      }
    }
  }
}
