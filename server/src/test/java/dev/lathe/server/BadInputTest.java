package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of bad requests over every route: each answers a 4xx with OpenAI's error envelope, a
 * useful message, the offending {@code param} where there is one, and an {@code x-request-id};
 * never a 5xx.
 */
class BadInputTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static final HttpClient http = HttpClient.newHttpClient();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, 64 * 1024);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  record Case(
      String method,
      String path,
      String contentType,
      byte[] body,
      int status,
      String param,
      String messagePart) {
    static Case json(
        String method, String path, String body, int status, String param, String part) {
      return new Case(
          method,
          path,
          "application/json",
          body == null ? null : body.getBytes(StandardCharsets.UTF_8),
          status,
          param,
          part);
    }
  }

  static HttpResponse<String> send(String key, String method, String path, String type, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (type != null) {
      b.header("Content-Type", type);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String multipart(String boundary, String purpose, String fileName, String content) {
    StringBuilder s = new StringBuilder();
    if (purpose != null) {
      s.append("--")
          .append(boundary)
          .append("\r\n")
          .append("Content-Disposition: form-data; name=\"purpose\"\r\n\r\n")
          .append(purpose)
          .append("\r\n");
    }
    if (content != null) {
      s.append("--")
          .append(boundary)
          .append("\r\n")
          .append("Content-Disposition: form-data; name=\"file\"")
          .append(fileName == null ? "" : "; filename=\"" + fileName + "\"")
          .append("\r\n")
          .append("Content-Type: application/octet-stream\r\n\r\n")
          .append(content)
          .append("\r\n");
    }
    return s.append("--").append(boundary).append("--\r\n").toString();
  }

  static Case upload(
      String purpose, String fileName, String content, int status, String param, String part) {
    String boundary = "lathe-test-boundary";
    return new Case(
        "POST",
        "/files",
        "multipart/form-data; boundary=" + boundary,
        multipart(boundary, purpose, fileName, content).getBytes(StandardCharsets.UTF_8),
        status,
        param,
        part);
  }

  @Test
  void everyBadRequestIsAClearClientError() throws Exception {
    String chat =
        "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    List<Case> cases =
        List.of(
            Case.json("POST", "/chat/completions", "{not json", 400, null, "parse the JSON"),
            Case.json("POST", "/chat/completions", "[1,2]", 400, null, "JSON object"),
            Case.json("POST", "/chat/completions", "", 400, null, "empty"),
            Case.json("POST", "/chat/completions", "{\"messages\":[]}", 400, "model", "model"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":5,\"messages\":[]}",
                400,
                "model",
                "string"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\"}",
                400,
                "messages",
                "messages"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[]}",
                400,
                "messages",
                "empty array"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":\"hi\"}",
                400,
                "messages",
                "array"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
                400,
                "messages[0].role",
                "robot"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[{\"content\":\"x\"}]}",
                400,
                "messages[0].role",
                "role"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}",
                400,
                "messages[0].content[0]",
                "text"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"temperature\":\"hot\"}",
                400,
                "temperature",
                "number"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"temperature\":3}",
                400,
                "temperature",
                "range"),
            Case.json("POST", "/chat/completions", chat + ",\"top_p\":1.5}", 400, "top_p", "range"),
            Case.json("POST", "/chat/completions", chat + ",\"n\":0}", 400, "n", "range"),
            Case.json("POST", "/chat/completions", chat + ",\"n\":1.5}", 400, "n", "integer"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"max_tokens\":-1}",
                400,
                "max_tokens",
                "range"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"max_completion_tokens\":\"ten\"}",
                400,
                "max_completion_tokens",
                "integer"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}",
                400,
                "stop",
                "at most 4"),
            Case.json("POST", "/chat/completions", chat + ",\"stop\":7}", 400, "stop", "string"),
            Case.json("POST", "/chat/completions", chat + ",\"stop\":\"\"}", 400, "stop", "empty"),
            Case.json(
                "POST", "/chat/completions", chat + ",\"seed\":\"x\"}", 400, "seed", "integer"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"top_logprobs\":3}",
                400,
                "top_logprobs",
                "logprobs"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"logprobs\":true,\"top_logprobs\":21}",
                400,
                "top_logprobs",
                "range"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"logprobs\":\"yes\"}",
                400,
                "logprobs",
                "boolean"),
            Case.json(
                "POST", "/chat/completions", chat + ",\"stream\":1}", 400, "stream", "boolean"),
            Case.json(
                "POST",
                "/chat/completions",
                chat + ",\"stream_options\":{\"include_usage\":true}}",
                400,
                "stream_options",
                "stream"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                404,
                "model",
                "does not exist"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "once upon a time ".repeat(200)
                    + "\"}]}",
                400,
                "messages",
                "maximum context length"),
            Case.json(
                "POST", "/completions", "{\"model\":\"stories260k\"}", 400, "prompt", "prompt"),
            Case.json(
                "POST",
                "/completions",
                "{\"model\":\"stories260k\",\"prompt\":[1,2,3]}",
                400,
                "prompt",
                "token ids"),
            Case.json(
                "POST",
                "/completions",
                "{\"model\":\"stories260k\",\"prompt\":\"x\",\"logprobs\":9}",
                400,
                "logprobs",
                "range"),
            new Case(
                "POST",
                "/chat/completions",
                "text/plain",
                "hello".getBytes(StandardCharsets.UTF_8),
                415,
                null,
                "application/json"),
            Case.json(
                "POST",
                "/chat/completions",
                "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + "x".repeat(9 * 1024 * 1024)
                    + "\"}]}",
                413,
                null,
                "too large"),
            upload("fine-tune", "a.jsonl", null, 400, "file", "'file'"),
            upload(null, "a.jsonl", "{}", 400, "purpose", "'purpose'"),
            upload("homework", "a.jsonl", "{}", 400, "purpose", "homework"),
            upload("fine-tune", "big.jsonl", "x".repeat(200 * 1024), 413, "file", "upload limit"),
            upload("fine-tune", null, "x".repeat(200 * 1024), 413, "file", "upload limit"),
            new Case(
                "POST",
                "/files",
                "multipart/form-data",
                "--x\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--x--\r\n"
                    .getBytes(StandardCharsets.UTF_8),
                400,
                "file",
                "multipart"),
            new Case(
                "POST",
                "/files",
                "multipart/form-data; boundary=lathe-test-boundary",
                ("--lathe-test-boundary\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n1\r\n"
                            .repeat(40)
                        + "--lathe-test-boundary--\r\n")
                    .getBytes(StandardCharsets.UTF_8),
                400,
                "file",
                "multipart"),
            new Case(
                "POST",
                "/files",
                "application/json",
                "{}".getBytes(StandardCharsets.UTF_8),
                415,
                null,
                "multipart"),
            Case.json("GET", "/files/file-nope", null, 404, "id", "No such File object: file-nope"),
            Case.json("GET", "/files/file-nope/content", null, 404, "id", "No such File object"),
            Case.json("DELETE", "/files/file-nope", null, 404, "id", "No such File object"),
            Case.json("GET", "/files/..%2F..%2Fetc%2Fpasswd", null, 404, null, ""),
            Case.json("GET", "/files?limit=0", null, 400, "limit", "between 1 and 10000"),
            Case.json("GET", "/files?limit=abc", null, 400, "limit", "integer"),
            Case.json("GET", "/files?order=sideways", null, 400, "order", "asc"),
            Case.json("GET", "/files?after=file-nope", null, 400, "after", "No such File"),
            Case.json("GET", "/files?purpose=homework", null, 400, "purpose", "homework"),
            Case.json("GET", "/models/nope", null, 404, "model", "The model `nope` does not exist"),
            Case.json(
                "DELETE",
                "/models/ft:stories260k:org::abcdefgh",
                null,
                404,
                "model",
                "does not exist"),
            Case.json("POST", "/fine_tuning/jobs", "{oops", 400, null, "parse the JSON"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\"}",
                400,
                "training_file",
                "training_file"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":7}",
                400,
                "training_file",
                "string"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"method\":{\"type\":\"reinforcement\"}}",
                400,
                "method.type",
                "'supervised' or 'dpo'"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"method\":{\"type\":\"dpo\",\"dpo\":{\"hyperparameters\":{\"beta\":\"high\"}}}}",
                400,
                "method.dpo.hyperparameters.beta",
                "at most 2"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"method\":{\"type\":\"supervised\",\"supervised\":{\"hyperparameters\":{\"beta\":0.1}}}}",
                400,
                "method.supervised.hyperparameters.beta",
                "n_epochs."),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"hyperparameters\":{\"batch_size\":\"big\"}}",
                400,
                "hyperparameters.batch_size",
                "auto"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"hyperparameters\":{\"learning_rate_multiplier\":-1}}",
                400,
                "hyperparameters.learning_rate_multiplier",
                "greater than 0"),
            Case.json(
                "POST",
                "/fine_tuning/jobs",
                "{\"model\":\"stories260k\",\"training_file\":\"file-x\",\"hyperparameters\":{\"warmup\":1}}",
                400,
                "hyperparameters.warmup",
                "Unknown hyperparameter"),
            Case.json(
                "GET",
                "/fine_tuning/jobs/ftjob-nope",
                null,
                404,
                "id",
                "No such FineTuningJob object: ftjob-nope"),
            Case.json(
                "POST",
                "/fine_tuning/jobs/ftjob-nope/cancel",
                null,
                404,
                "id",
                "No such FineTuningJob"),
            Case.json(
                "GET",
                "/fine_tuning/jobs/ftjob-nope/events",
                null,
                404,
                "id",
                "No such FineTuningJob"),
            Case.json("GET", "/fine_tuning/jobs?limit=0", null, 400, "limit", "between 1 and 100"),
            Case.json(
                "GET",
                "/fine_tuning/jobs?after=ftjob-nope",
                null,
                400,
                "after",
                "No such FineTuningJob"),
            Case.json("GET", "/no/such/route", null, 404, null, "Invalid URL"),
            Case.json("PUT", "/files", "{}", 405, null, "not allowed"));
    for (Case c : cases) {
      byte[] body = c.body() == null ? null : c.body();
      String type = c.body() == null ? null : c.contentType();
      HttpResponse<String> r = send(TestServer.KEY_A, c.method(), c.path(), type, body);
      String what =
          c.method() + " " + c.path() + " -> " + r.statusCode() + " " + abbreviate(r.body());
      assertThat(r.statusCode()).as(what).isEqualTo(c.status());
      assertThat(r.headers().firstValue("x-request-id")).as(what).isPresent();
      if (c.status() == 404 && c.param() == null && c.messagePart().isEmpty()) {
        continue;
      }
      JsonNode error = json.readTree(r.body()).get("error");
      assertThat(error).as(what).isNotNull();
      assertThat(error.get("message").asText()).as(what).contains(c.messagePart());
      assertThat(error.has("type") && error.has("param") && error.has("code")).as(what).isTrue();
      if (c.param() != null) {
        assertThat(error.get("param").asText()).as(what).isEqualTo(c.param());
      }
    }
  }

  @Test
  void missingOrWrongKeysAre401() throws Exception {
    HttpResponse<String> none = send(null, "GET", "/models", null, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.body()).contains("You didn't provide an API key");
    HttpResponse<String> wrong = send("sk-wrong-key-123456789", "GET", "/models", null, null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    JsonNode error = json.readTree(wrong.body()).get("error");
    assertThat(error.get("code").asText()).isEqualTo("invalid_api_key");
    assertThat(error.get("message").asText()).doesNotContain("sk-wrong-key-123456789");
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }
}
