package dev.lathe.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Raw JSON calls on a {@link TestServer} with {@code java.net.http}, for Lathe's own {@code
 * /v1/lathe/…} endpoints that the OpenAI SDK does not know: each answers its status and parsed
 * body.
 */
record LatheHttp(TestServer server, String key) {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A response: status and JSON body. */
  record Reply(int status, JsonNode body) {
    /** The error envelope's {@code param}, or null. */
    String param() {
      return body.path("error").path("param").isTextual()
          ? body.path("error").path("param").asText()
          : null;
    }

    /** The error envelope's {@code message}. */
    String message() {
      return body.path("error").path("message").asText();
    }
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(server.uri(path)).GET());
  }

  Reply post(String path, String body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(server.uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
  }

  Reply post(String path, JsonNode body) throws IOException, InterruptedException {
    return post(path, JSON.writeValueAsString(body));
  }

  Reply delete(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(server.uri(path)).DELETE());
  }

  /** The events of a streamed (server-sent events) answer to a POST, {@code [DONE]} left out. */
  java.util.List<JsonNode> stream(String path, String body)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(server.uri(path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new AssertionError("stream answered " + r.statusCode() + ": " + r.body());
    }
    java.util.List<JsonNode> events = new java.util.ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        events.add(JSON.readTree(line.substring(6)));
      }
    }
    return events;
  }

  private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            request.header("Authorization", "Bearer " + key).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    return new Reply(r.statusCode(), JSON.readTree(r.body()));
  }
}
