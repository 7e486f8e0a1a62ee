package dev.lathe.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream as OpenAI writes it: each event one {@code data: <json>} line and a
 * blank line, ended by {@code data: [DONE]}; a failure after the stream started is sent as a data
 * line holding an error envelope.
 */
public final class SseStream {
  private final OutputStream out;
  private final ObjectMapper json;

  public SseStream(Context ctx, ObjectMapper json) throws IOException {
    this.json = json;
    ctx.status(200);
    ctx.contentType("text/event-stream; charset=utf-8");
    ctx.header("Cache-Control", "no-cache");
    this.out = ctx.res().getOutputStream();
  }

  public void send(JsonNode event) {
    try {
      write("data: " + json.writeValueAsString(event) + "\n\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void error(ApiException e) {
    send(ApiErrors.envelope(json, e));
  }

  public void done() {
    try {
      write("data: [DONE]\n\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
