package dev.lathe.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.objectstore.StoreUnavailableException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

/**
 * The one place failures become responses: every exception, unknown route and wrong method is
 * answered with OpenAI's error envelope and a fitting status; nothing a client sends yields a 5xx,
 * and a genuine server fault is logged (without request bodies) and answered with OpenAI's 500
 * wording.
 */
public final class ApiErrors {
  private static final System.Logger LOG = System.getLogger(ApiErrors.class.getName());

  private ApiErrors() {}

  /** The envelope body. */
  static ObjectNode envelope(ObjectMapper json, ApiException e) {
    ObjectNode root = json.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", e.getMessage());
    error.put("type", e.type());
    error.put("param", e.param());
    error.put("code", e.code());
    return root;
  }

  static void write(Context ctx, ObjectMapper json, ApiException e) {
    ctx.status(e.status());
    ctx.contentType("application/json");
    try {
      ctx.result(json.writeValueAsString(envelope(json, e)));
    } catch (JsonProcessingException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  public static void install(Javalin app, ObjectMapper json) {
    app.exception(ApiException.class, (e, ctx) -> write(ctx, json, e));
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> write(ctx, json, fromStatus(e.getStatus(), ctx, e.getMessage())));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          StoreUnavailableException store = storeCause(e);
          if (store != null) {
            LOG.log(System.Logger.Level.WARNING, store.getMessage());
            write(ctx, json, unavailable(store));
            return;
          }
          LOG.log(
              System.Logger.Level.ERROR,
              "request " + ctx.method() + " " + ctx.path() + " failed",
              e);
          write(
              ctx,
              json,
              new ApiException(
                  500,
                  "server_error",
                  "The server had an error while processing your request. Sorry about that!",
                  null,
                  null));
        });
    app.error(404, ctx -> rewriteIfPlain(ctx, json, 404));
    app.error(405, ctx -> rewriteIfPlain(ctx, json, 405));
    app.error(413, ctx -> rewriteIfPlain(ctx, json, 413));
  }

  /** The object store's failure behind {@code e}, if that is what it is. */
  private static StoreUnavailableException storeCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StoreUnavailableException s) {
        return s;
      }
    }
    return null;
  }

  /**
   * A 503 saying which object store failed and how (its endpoint and bucket, never credentials):
   * the request can be retried once the store is back, and nothing it held was lost.
   */
  public static ApiException unavailable(StoreUnavailableException e) {
    return new ApiException(503, "server_error", e.getMessage(), null, "object_store_unavailable");
  }

  /** Javalin's own 404/405 answers (no route matched) become envelopes. */
  private static void rewriteIfPlain(Context ctx, ObjectMapper json, int status) {
    String body = ctx.result();
    if (body != null && body.startsWith("{\"error\"")) {
      return;
    }
    write(ctx, json, fromStatus(status, ctx, null));
  }

  static ApiException fromStatus(int status, Context ctx, String detail) {
    return switch (status) {
      case 404 ->
          new ApiException(
              404,
              "invalid_request_error",
              "Invalid URL (" + ctx.method() + " " + ctx.path() + ")",
              null,
              null);
      case 405 ->
          new ApiException(
              405,
              "invalid_request_error",
              "Method " + ctx.method() + " is not allowed on " + ctx.path(),
              null,
              null);
      case 413 ->
          new ApiException(
              413, "invalid_request_error", "Request body too large", null, "payload_too_large");
      default ->
          new ApiException(
              status < 500 ? status : 400,
              "invalid_request_error",
              detail == null || detail.isBlank() ? "Invalid request" : detail,
              null,
              null);
    };
  }
}
