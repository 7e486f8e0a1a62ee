package dev.lathe.server;

import dev.lathe.server.http.ApiErrors;
import dev.lathe.server.telemetry.TelemetryRoutes;
import io.javalin.Javalin;

/**
 * A {@code lathe worker} process's own {@code /metrics} and health probes on a port of their own
 * ({@code telemetry.metrics_port}), with no {@code /v1}: each process exposes what it recorded
 * itself (training steps in a worker process, requests and completions in the server), and both
 * read the stores' gauges from the shared database. Same key rule and probes as {@link
 * LatheServer}'s.
 */
public final class TelemetryServer implements AutoCloseable {
  private final Javalin app;

  private TelemetryServer(Javalin app) {
    this.app = app;
  }

  /** Serves {@code services}' telemetry on the config's host and {@code port} (0: a free one). */
  public static TelemetryServer start(Services services, int port) {
    TelemetryRoutes routes =
        LatheServer.telemetry(services, new ApiKeys(services.config().apiKeys()));
    Javalin app =
        Javalin.create(
            c -> {
              c.showJavalinBanner = false;
              routes.configure(c);
            });
    ApiErrors.install(app, services.json());
    routes.register(app);
    app.start(services.config().host(), port);
    return new TelemetryServer(app);
  }

  /** The bound port. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
