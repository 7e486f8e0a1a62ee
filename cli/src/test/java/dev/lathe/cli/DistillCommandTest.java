package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.HubSettings;
import dev.lathe.server.LatheServer;
import dev.lathe.server.ServerConfig;
import dev.lathe.testkit.SharedAssets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe distill} against a real server: the stored completions that match its filters become
 * a fine-tune file whose id it prints; a filter nothing matches and a bad time are errors that say
 * why.
 */
class DistillCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String KEY = "sk-distill-test-0001";

  @TempDir Path dir;
  LatheServer server;
  String base;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void printsTheIdOfTheFileItExported() throws Exception {
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    server =
        LatheServer.start(
            new ServerConfig(
                "127.0.0.1",
                0,
                dir.resolve("data"),
                null,
                ServerConfig.DEFAULT_UPLOAD_LIMIT,
                List.of(new ServerConfig.ApiKey(KEY, "proj_cli", false)),
                Map.of("stories260k", stories.toString()),
                Map.of(),
                0,
                ServerConfig.DEFAULT_LORA_RANK),
            HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), dir.resolve("hub")));
    base = "http://127.0.0.1:" + server.port() + "/v1";
    String kept = chat("A cat.", "{\"run\":\"cli\"}");
    chat("A dog.", "{\"run\":\"other\"}");

    LatheRun run =
        LatheRun.of(
            "distill",
            "--base-url",
            base,
            "--api-key",
            KEY,
            "--metadata",
            "run=cli",
            "--after",
            "2000-01-01");
    assertThat(run.exit()).as(run.err()).isZero();
    String id = run.out().strip();
    assertThat(id).startsWith("file-");
    assertThat(run.err()).contains("1 stored chat completions -> " + id);
    String content = get("/files/" + id + "/content");
    JsonNode line = JSON.readTree(content.strip());
    assertThat(content.strip().lines()).hasSize(1);
    assertThat(line.get("messages").findValuesAsText("role")).containsExactly("user", "assistant");
    assertThat(line.get("messages").get(1).get("content").asText()).isEqualTo(kept);
    assertThat(JSON.readTree(get("/files/" + id)).get("purpose").asText()).isEqualTo("fine-tune");

    LatheRun none = LatheRun.of("distill", "--base-url", base, "--api-key", KEY, "--model", "nope");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("answered 400").contains("No stored chat completions");
    LatheRun badTime =
        LatheRun.of("distill", "--base-url", base, "--api-key", KEY, "--before", "yesterday");
    assertThat(badTime.exit()).isEqualTo(2);
    assertThat(badTime.err()).contains("--before is 'yesterday'");
  }

  /** A stored chat completion's answer. */
  private String chat(String user, String metadata) throws Exception {
    String body =
        "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + user
            + "\"}],\"temperature\":0,\"max_completion_tokens\":8,\"store\":true,\"metadata\":"
            + metadata
            + "}";
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).get("choices").get(0).get("message").get("content").asText();
  }

  private String get(String path) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
        .body();
  }
}
