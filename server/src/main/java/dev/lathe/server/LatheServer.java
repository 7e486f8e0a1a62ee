package dev.lathe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.HubSettings;
import dev.lathe.server.chat.ChatCompletionRoutes;
import dev.lathe.server.chat.CompletionExport;
import dev.lathe.server.chat.CompletionRunner;
import dev.lathe.server.chat.StoredCompletionRoutes;
import dev.lathe.server.chat.TextCompletionRoutes;
import dev.lathe.server.evals.EvalRoutes;
import dev.lathe.server.evals.RunRoutes;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.files.ValidationReports;
import dev.lathe.server.http.ApiErrors;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.Dashboard;
import dev.lathe.server.jobs.JobRoutes;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.models.ModelRoutes;
import dev.lathe.server.preview.ExampleRenderers;
import dev.lathe.server.preview.MaskingPreview;
import dev.lathe.server.preview.MeasuredThroughput;
import dev.lathe.server.preview.TrainingEstimates;
import dev.lathe.server.store.Ids;
import dev.lathe.server.telemetry.Readiness;
import dev.lathe.server.telemetry.TelemetryRoutes;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.function.LongSupplier;

/**
 * {@code lathe serve}: wires the routes under {@code /v1} behind authentication, with every
 * response carrying an {@code x-request-id} and every failure an OpenAI error envelope, and starts
 * {@link ServerConfig#workers()} in-process fine-tuning workers ({@link JobWorkers}); all of them
 * on one {@link Services} (the database, opened and migrated once, and the stores on it).
 */
public final class LatheServer implements AutoCloseable {
  /** Largest JSON request body (chat messages, job creation). */
  static final long MAX_JSON_BODY = 8L * 1024 * 1024;

  /** Default budget for loaded model weights. */
  static final long MODEL_MEMORY_BUDGET = 4L * 1024 * 1024 * 1024;

  private final Javalin app;
  private final ModelRegistry models;
  private final Services services;
  private final JobWorkers workers;

  private LatheServer(Javalin app, ModelRegistry models, Services services, JobWorkers workers) {
    this.app = app;
    this.models = models;
    this.services = services;
    this.workers = workers;
  }

  /** Starts a server for {@code config} with the system clock and secure randomness. */
  public static LatheServer start(ServerConfig config, HubSettings hub) throws IOException {
    return start(config, hub, InstantSource.system(), Ids.secure(), new SecureRandom()::nextLong);
  }

  static LatheServer start(
      ServerConfig config, HubSettings hub, InstantSource clock, Ids ids, LongSupplier seeds)
      throws IOException {
    return start(Services.open(config, hub, clock, ids, seeds));
  }

  /**
   * Starts a server on {@code services}, which it then owns: closing the server closes them. If
   * starting fails, they are closed before the failure is thrown.
   */
  public static LatheServer start(Services services) throws IOException {
    try {
      return wire(services);
    } catch (IOException | RuntimeException e) {
      services.close();
      throw e;
    }
  }

  private static LatheServer wire(Services services) throws IOException {
    ServerConfig config = services.config();
    ObjectMapper json = services.json();
    Ids ids = services.ids();
    Path uploadsTemp = Files.createDirectories(config.dataDir().resolve("tmp"));
    ModelRegistry registry = services.openModels(MODEL_MEMORY_BUDGET);
    ApiKeys keys = new ApiKeys(config.apiKeys());
    long startedAt = services.clock().instant().getEpochSecond();
    services.metrics().readModels(registry::loadedSizes);
    TelemetryRoutes telemetry = telemetry(services, keys);

    Javalin app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              c.http.maxRequestSize = MAX_JSON_BODY;
              c.http.prefer405over404 = true;
              c.http.disableCompression();
              c.jsonMapper(new JavalinJackson(json, false));
              Dashboard.configure(c);
              telemetry.configure(c);
            });
    telemetry.register(app);
    app.before(
        "/v1/*",
        ctx -> {
          String requestId = ids.next("req_", 32);
          ctx.header("x-request-id", requestId);
          TelemetryRoutes.logRequestId(requestId);
          ctx.attribute(Caller.ATTRIBUTE, keys.authenticate(ctx.header("Authorization")));
        });
    Dashboard.register(app);
    ApiErrors.install(app, json);
    FileRoutes files =
        new FileRoutes(
            services.files(),
            services.contents(),
            json,
            services.clock(),
            ids,
            config.uploadLimitBytes(),
            uploadsTemp);
    files.register(app);
    ValidationReports reports = new ValidationReports(files, json);
    reports.register(app);
    JobWorkers workers = JobWorkers.start(services, config.workers(), JobWorkers.LEASE, registry);
    try {
      new JobRoutes(
              services.jobs(),
              files,
              registry,
              json,
              services.seeds(),
              services.progress(),
              workers::wakeUp)
          .register(app);
      new ModelRoutes(registry, services.fineTuned(), json, startedAt).register(app);
      ExampleRenderers renderers = new ExampleRenderers(registry, services.bases());
      new MaskingPreview(files, services.contents(), renderers, json).register(app);
      new TrainingEstimates(
              registry,
              files,
              services.contents(),
              reports,
              renderers,
              new MeasuredThroughput(
                  services.jobs(), services.progress(), config.loraRank(), services.nanoTime()),
              config.loraRank(),
              json)
          .register(app);
      CompletionRunner runner =
          new CompletionRunner(registry, json, services.metrics(), services.newScheduler("api"));
      StoredCompletionRoutes stored =
          new StoredCompletionRoutes(services.completions(), json, services.clock());
      new ChatCompletionRoutes(runner, json, services.clock(), ids, stored).register(app);
      stored.register(app);
      new CompletionExport(services.completions(), files, json, uploadsTemp).register(app);
      new TextCompletionRoutes(runner, json, services.clock(), ids).register(app);
      RunRoutes evalRuns =
          new RunRoutes(
              services.evals(),
              services.jobs(),
              files,
              services.contents(),
              services.completions(),
              registry,
              json,
              services.clock(),
              ids,
              services.seeds(),
              workers::wakeUp);
      new EvalRoutes(services.evals(), evalRuns, evalRuns::served, json, services.clock(), ids)
          .register(app);
      app.start(config.host(), config.port());
    } catch (RuntimeException e) {
      workers.close();
      throw e;
    }
    return new LatheServer(app, registry, services, workers);
  }

  /** {@code /metrics} and the health probes on {@code services} (see the README). */
  static TelemetryRoutes telemetry(Services services, ApiKeys keys) {
    return new TelemetryRoutes(
        services.metrics(),
        new Readiness(services.db(), services.config().dataDir()),
        services.config().telemetry().metricsKeyRequired(),
        keys::authenticate,
        services.json());
  }

  /** The bound port (the real one when the config asked for 0). */
  public int port() {
    return app.port();
  }

  /**
   * Stops the workers gracefully (each running job finishes its step, checkpoints and goes back to
   * the queue for the next start or another worker), then the HTTP server, the loaded models and
   * the services (the database pool).
   */
  @Override
  public void close() {
    workers.close();
    app.stop();
    models.close();
    services.close();
  }
}
