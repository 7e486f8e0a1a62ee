package dev.lathe.server.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.MDC;

/**
 * The operator's endpoints, outside {@code /v1}: {@code GET /metrics} (Prometheus' text format),
 * {@code GET /health/live} (the process answers: always 200) and {@code GET /health/ready} (200
 * when the database and the data directory work, else 503 naming each failed check); plus the
 * timing of every HTTP request by method, route template and status, and the request id in the
 * logging context ({@code request_id}) while a request runs.
 *
 * <p>The probes need no key (orchestrators send none). {@code /metrics} is open too unless {@code
 * metricsKeyRequired}, when it takes an admin API key like {@code /v1}'s (Bearer).
 */
public final class TelemetryRoutes {
  /** Request attribute: when the request started, in {@link ServerMetrics#nanoTime()}. */
  private static final String STARTED = "lathe.started";

  /** Logging context key of the current request's {@code x-request-id}. */
  public static final String REQUEST_ID = "request_id";

  private final ServerMetrics metrics;
  private final Readiness readiness;
  private final boolean metricsKeyRequired;
  private final Function<String, Caller> authenticate;
  private final ObjectMapper json;

  /**
   * @param authenticate the caller of an {@code Authorization} header (throws a 401 for a bad key)
   */
  public TelemetryRoutes(
      ServerMetrics metrics,
      Readiness readiness,
      boolean metricsKeyRequired,
      Function<String, Caller> authenticate,
      ObjectMapper json) {
    this.metrics = metrics;
    this.readiness = readiness;
    this.metricsKeyRequired = metricsKeyRequired;
    this.authenticate = authenticate;
    this.json = json;
  }

  /**
   * Times every request, from the first filter until its response has been written (a streamed
   * answer counts whole), so the sample is recorded just after the client got the response. Called
   * while Javalin is configured.
   */
  public void configure(JavalinConfig config) {
    config.requestLogger.http(
        (ctx, ms) -> {
          Long started = ctx.attribute(STARTED);
          if (started != null) {
            metrics.httpRequest(
                ctx.method().name(), route(ctx), ctx.statusCode(), metrics.nanoTime() - started);
          }
          MDC.remove(REQUEST_ID);
        });
  }

  /** Registers the endpoints and the request-start stamp (before any other handler). */
  public void register(Javalin app) {
    app.before(
        ctx -> {
          MDC.remove(REQUEST_ID);
          ctx.attribute(STARTED, metrics.nanoTime());
        });
    app.get("/metrics", this::metrics);
    app.get("/health/live", ctx -> ctx.json(status("live")));
    app.get("/health/ready", this::ready);
  }

  /** Puts {@code requestId} into the logging context until the request ends. */
  public static void logRequestId(String requestId) {
    MDC.put(REQUEST_ID, requestId);
  }

  private void metrics(Context ctx) {
    if (metricsKeyRequired && !authenticate.apply(ctx.header("Authorization")).admin()) {
      throw new ApiException(
          403,
          "invalid_request_error",
          "/metrics needs an admin API key on this server (metrics_key_required is set); send"
              + " one as Authorization: Bearer KEY.",
          null,
          "admin_key_required");
    }
    ctx.contentType(ServerMetrics.contentType());
    ctx.result(metrics.scrape());
  }

  private void ready(Context ctx) {
    Map<String, Optional<String>> results = readiness.check();
    boolean ok = results.values().stream().allMatch(Optional::isEmpty);
    ObjectNode body = status(ok ? "ready" : "not_ready");
    ObjectNode checks = body.putObject("checks");
    StringBuilder failed = new StringBuilder();
    results.forEach(
        (name, problem) -> {
          ObjectNode check = checks.putObject(name);
          check.put("ok", problem.isEmpty());
          problem.ifPresent(
              p -> {
                check.put("error", p);
                failed.append(failed.isEmpty() ? "" : "; ").append(name).append(": ").append(p);
              });
        });
    if (!ok) {
      body.put("message", "Not ready: " + failed);
    }
    ctx.status(ok ? 200 : 503).json(body);
  }

  private ObjectNode status(String status) {
    return json.createObjectNode().put("status", status);
  }

  /**
   * The route template that answered (e.g. {@code /v1/files/{id}}), never the raw path, so ids do
   * not become label values: the matched endpoint's path; else the path of the last handler that
   * ran (a {@code before} filter that refused the request, e.g. {@code /v1/*} for a bad key); else
   * {@code static} (the dashboard's files) or {@code unmatched} (a 404).
   */
  static String route(Context ctx) {
    String endpoint;
    try {
      endpoint = ctx.endpointHandlerPath();
    } catch (IllegalStateException inBefore) { // the request ended in a before filter
      endpoint = null;
    }
    if (endpoint != null && !endpoint.isEmpty()) {
      return endpoint;
    }
    String matched = ctx.matchedPath();
    if (matched != null && !matched.isEmpty() && !matched.equals("*")) {
      return matched;
    }
    return ctx.statusCode() == 404 ? "unmatched" : "static";
  }
}
