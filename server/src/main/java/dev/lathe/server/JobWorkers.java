package dev.lathe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.Worker;
import dev.lathe.jobqueue.WorkerConfig;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The fine-tuning workers of one process: {@code count} {@link Worker}s, each training one job at a
 * time with a {@link FineTuningJobHandler}, against a server's database and data directory.
 *
 * <p>{@link LatheServer} starts them in-process; {@link #start(ServerConfig, HubSettings)} runs
 * only workers (no HTTP) against the same database and data directory, so jobs can be trained by
 * other processes or machines sharing them. Closing is graceful: claiming stops, each running job
 * finishes its step, checkpoints and gives its lease back, so another worker resumes it.
 */
public final class JobWorkers implements AutoCloseable {

  /** Heartbeat period: how soon a cancel or pause reaches a running job. */
  static final Duration HEARTBEAT = Duration.ofSeconds(1);

  /** Lease: how soon a dead worker's job goes back to the queue. */
  static final Duration LEASE = Duration.ofSeconds(30);

  private final List<Worker> workers;
  private final AutoCloseable resources;

  private JobWorkers(List<Worker> workers, AutoCloseable resources) {
    this.workers = workers;
    this.resources = resources;
  }

  /**
   * Starts {@code config.workers()} workers (at least one) on the database and data directory of
   * {@code config}, without an HTTP server, with the system clock and secure randomness.
   */
  public static JobWorkers start(ServerConfig config, HubSettings hub) throws IOException {
    return start(config, hub, LEASE);
  }

  /**
   * Like {@link #start(ServerConfig, HubSettings)} with leases of {@code lease} instead of {@link
   * #LEASE}: how soon a killed worker's job is taken over by another (heartbeats stay every {@link
   * #HEARTBEAT}, so the lease must be at least three of them).
   */
  public static JobWorkers start(ServerConfig config, HubSettings hub, Duration lease)
      throws IOException {
    InstantSource clock = InstantSource.system();
    HikariDataSource db = LatheServer.openDatabase(config, clock);
    JobWorkers started =
        start(
            config.withWorkers(Math.max(1, config.workers())),
            hub,
            db,
            LatheServer.jobStore(config, db, clock),
            new ObjectMapper(),
            clock,
            Ids.secure(),
            processId(),
            lease);
    return new JobWorkers(started.workers, db);
  }

  /** Workers sharing a server's database; {@code config.workers()} may be 0 (then none run). */
  static JobWorkers start(
      ServerConfig config,
      HubSettings hub,
      DataSource db,
      JobStore jobs,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      String processId)
      throws IOException {
    return start(config, hub, db, jobs, json, clock, ids, processId, LEASE);
  }

  private static JobWorkers start(
      ServerConfig config,
      HubSettings hub,
      DataSource db,
      JobStore jobs,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      String processId,
      Duration lease)
      throws IOException {
    FileStore fileStore = new FileStore(db);
    FileContents contents = new FileContents(config.dataDir().resolve("files"));
    JobProgress progress = new JobProgress(db, json);
    FineTunedModels fineTunes = new FineTunedModels(db);
    FineTuningJobHandler handler =
        new FineTuningJobHandler(
            fileStore,
            contents,
            fineTunes,
            progress,
            new ResultFiles(jobs, fileStore, contents, json, clock, ids),
            new TrainableBases(config.models(), config.aliases(), fineTunes, hub),
            config.dataDir().resolve("jobs"),
            config.loraRank(),
            json,
            clock,
            ids);
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < config.workers(); i++) {
      WorkerConfig wc =
          new WorkerConfig(processId + "-w" + i, 1, Duration.ofSeconds(1), lease, HEARTBEAT, LEASE);
      workers.add(new Worker(jobs, handler, wc, clock).start());
    }
    return new JobWorkers(workers, () -> {});
  }

  /** How many workers run. */
  public int count() {
    return workers.size();
  }

  /** Tells idle workers to look for queued jobs now. */
  public void wakeUp() {
    workers.forEach(Worker::wakeUp);
  }

  /** Stops every worker gracefully (see the class comment), then releases what it opened. */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (Worker w : workers) {
      stopping.add(Thread.ofPlatform().start(() -> closeQuietly(w)));
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    closeQuietly(resources);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.getLogger(JobWorkers.class.getName())
          .log(System.Logger.Level.WARNING, "closing a fine-tuning worker failed", e);
    }
  }

  /** This process's worker id prefix: host name and process id. */
  static String processId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return host + "-" + ProcessHandle.current().pid();
  }
}
