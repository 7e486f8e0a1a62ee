package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.cli.client.Connection;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe distill}: turns a Lathe server's stored chat completions ({@code "store": true})
 * into a fine-tuning file, through {@code POST /v1/lathe/chat/completions/export}, and prints the
 * new file's id (the report goes to stderr), ready for {@code POST /v1/fine_tuning/jobs}.
 */
@Command(
    name = "distill",
    mixinStandardHelpOptions = true,
    description = {
      "Export a Lathe server's stored chat completions (requests sent with \"store\": true) as a"
          + " chat fine-tuning file (purpose fine-tune, validated like an upload) and print its id.",
      "Filters: --model, --metadata (all must match), --after and --before (creation time)."
    })
public final class DistillCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin Connection connection;

  @Option(names = "--model", description = "Only completions of this model (as requested).")
  String model;

  @Option(
      names = "--metadata",
      paramLabel = "KEY=VALUE",
      description = "Only completions whose metadata has this pair (repeatable).")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Option(
      names = "--after",
      paramLabel = "TIME",
      description =
          "Only completions created at or after TIME: 2026-05-01, 2026-05-01T12:00:00Z or Unix"
              + " seconds.")
  String after;

  @Option(
      names = "--before",
      paramLabel = "TIME",
      description = "Only completions created before TIME (same forms as --after).")
  String before;

  @Option(
      names = "--filename",
      description = "The new file's name (default distilled-chat-completions.jsonl).")
  String filename;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectNode body = JSON.createObjectNode();
    try {
      if (model != null) {
        body.put("model", model);
      }
      if (!metadata.isEmpty()) {
        body.set("metadata", JSON.valueToTree(metadata));
      }
      if (after != null) {
        body.put("created_after", seconds("--after", after));
      }
      if (before != null) {
        body.put("created_before", seconds("--before", before));
      }
      if (filename != null) {
        body.put("filename", filename);
      }
    } catch (IllegalArgumentException e) {
      err.println("lathe distill: " + e.getMessage());
      return 2;
    }
    URI uri;
    try {
      uri = URI.create(connection.baseUrl() + "/lathe/chat/completions/export");
    } catch (IllegalArgumentException e) {
      err.println("lathe distill: --base-url is not a URL: " + connection.baseUrl());
      return 2;
    }
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .build()
              .send(
                  HttpRequest.newBuilder(uri)
                      .timeout(connection.timeout())
                      .header("Authorization", "Bearer " + connection.apiKey())
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      JsonNode answer = JSON.readTree(response.body());
      if (response.statusCode() != 200) {
        JsonNode error = answer.path("error");
        err.println(
            "lathe distill: the server answered "
                + response.statusCode()
                + ": "
                + error.path("message").asText(response.body())
                + (error.path("param").isTextual()
                    ? " (param: " + error.get("param").asText() + ")"
                    : ""));
        return 1;
      }
      String id = answer.path("file").path("id").asText();
      out.println(id);
      err.println(
          "lathe distill: "
              + answer.path("completions").asLong()
              + " stored chat completions -> "
              + id
              + " ("
              + answer.path("file").path("bytes").asLong()
              + " bytes, purpose fine-tune); its validation report: GET "
              + connection.baseUrl()
              + "/lathe/files/"
              + id
              + "/validation");
      return 0;
    } catch (IOException e) {
      err.println("lathe distill: cannot reach " + uri + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** A time as Unix seconds: an ISO date (UTC midnight), an ISO instant, or seconds. */
  static long seconds(String option, String value) {
    String v = value.strip();
    if (v.matches("\\d+")) {
      return Long.parseLong(v);
    }
    try {
      if (v.length() == 10) {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
      }
      return Instant.parse(v).getEpochSecond();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option
              + " is '"
              + value
              + "'; expected a date (2026-05-01), an instant (2026-05-01T12:00:00Z) or Unix"
              + " seconds");
    }
  }
}
