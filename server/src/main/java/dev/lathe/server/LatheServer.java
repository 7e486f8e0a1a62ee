package dev.lathe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.RandomIdGenerator;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.InstantSource;
import javax.sql.DataSource;

/**
 * The composition root of {@code lathe serve}: opens the database (SQLite under the data dir, or
 * PostgreSQL), applies the server's schema, and wires the routes under {@code /v1} behind
 * authentication, with every response carrying an {@code x-request-id} and every failure an OpenAI
 * error envelope; and starts {@link ServerConfig#workers()} in-process fine-tuning workers ({@link
 * JobWorkers}).
 */
public final class LatheServer implements AutoCloseable {
  /** Largest JSON request body (chat messages, job creation). */
  static final long MAX_JSON_BODY = 8L * 1024 * 1024;

  /** Default budget for loaded model weights. */
  static final long MODEL_MEMORY_BUDGET = 4L * 1024 * 1024 * 1024;

  /** Database connections kept open for the request threads (and in-process workers). */
  static final int DB_CONNECTIONS = 8;

  private final Javalin app;
  private final ModelRegistry models;
  private final HikariDataSource db;
  private final JobWorkers workers;

  private LatheServer(Javalin app, ModelRegistry models, HikariDataSource db, JobWorkers workers) {
    this.app = app;
    this.models = models;
    this.db = db;
    this.workers = workers;
  }

  /** Starts a server for {@code config} with the system clock and secure randomness. */
  public static LatheServer start(ServerConfig config, HubSettings hub) throws IOException {
    return start(config, hub, InstantSource.system(), Ids.secure(), new SecureRandom()::nextLong);
  }

  static LatheServer start(
      ServerConfig config,
      HubSettings hub,
      InstantSource clock,
      Ids ids,
      java.util.function.LongSupplier seeds)
      throws IOException {
    HikariDataSource db = openDatabase(config, clock);
    Path dataDir = config.dataDir();
    Path uploadsTemp = Files.createDirectories(dataDir.resolve("tmp"));
    ObjectMapper json = new ObjectMapper();
    FineTunedModels fineTuned = new FineTunedModels(db);
    ModelRegistry registry =
        new ModelRegistry(config.models(), config.aliases(), fineTuned, hub, MODEL_MEMORY_BUDGET);
    ApiKeys keys = new ApiKeys(config.apiKeys());
    long startedAt = clock.instant().getEpochSecond();

    Javalin app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              c.http.maxRequestSize = MAX_JSON_BODY;
              c.http.prefer405over404 = true;
              c.http.disableCompression();
              c.jsonMapper(new JavalinJackson(json, false));
              Dashboard.configure(c);
            });
    app.before(
        "/v1/*",
        ctx -> {
          ctx.header("x-request-id", ids.next("req_", 32));
          ctx.attribute(Caller.ATTRIBUTE, keys.authenticate(ctx.header("Authorization")));
        });
    Dashboard.register(app);
    ApiErrors.install(app, json);
    FileRoutes files =
        new FileRoutes(
            new FileStore(db),
            new FileContents(dataDir.resolve("files")),
            json,
            clock,
            ids,
            config.uploadLimitBytes(),
            uploadsTemp);
    files.register(app);
    ValidationReports reports = new ValidationReports(files, json);
    reports.register(app);
    JobStore jobs = jobStore(config, db, clock);
    JobWorkers workers =
        JobWorkers.start(config, hub, db, jobs, json, clock, ids, JobWorkers.processId());
    new JobRoutes(jobs, files, registry, json, seeds, new JobProgress(db, json), workers::wakeUp)
        .register(app);
    new ModelRoutes(registry, fineTuned, json, startedAt).register(app);
    ExampleRenderers renderers =
        new ExampleRenderers(
            registry, new TrainableBases(config.models(), config.aliases(), fineTuned, hub));
    FileContents contents = new FileContents(dataDir.resolve("files"));
    new MaskingPreview(files, contents, renderers, json).register(app);
    new TrainingEstimates(
            registry,
            files,
            contents,
            reports,
            renderers,
            new MeasuredThroughput(
                jobs, new JobProgress(db, json), config.loraRank(), System::nanoTime),
            config.loraRank(),
            json)
        .register(app);
    CompletionRunner runner = new CompletionRunner(registry, seeds, json);
    new ChatCompletionRoutes(runner, json, clock, ids).register(app);
    new TextCompletionRoutes(runner, json, clock, ids).register(app);
    app.start(config.host(), config.port());
    return new LatheServer(app, registry, db, workers);
  }

  /**
   * Creates the data dir, opens a pool on its database (or PostgreSQL) and brings the whole schema,
   * the job queue's tables and the server's, up to date.
   */
  static HikariDataSource openDatabase(ServerConfig config, InstantSource clock)
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

  /** The job queue on {@code db}. */
  static JobStore jobStore(ServerConfig config, DataSource db, InstantSource clock) {
    return new JdbcJobStore(
        db,
        config.dbUrl() == null ? JdbcDialect.SQLITE : JdbcDialect.POSTGRESQL,
        clock,
        new RandomIdGenerator());
  }

  /** The bound port (the real one when the config asked for 0). */
  public int port() {
    return app.port();
  }

  /**
   * Stops the workers gracefully (each running job finishes its step, checkpoints and goes back to
   * the queue for the next start or another worker), then the HTTP server, the loaded models and
   * the database pool.
   */
  @Override
  public void close() {
    workers.close();
    app.stop();
    models.close();
    db.close();
  }
}
