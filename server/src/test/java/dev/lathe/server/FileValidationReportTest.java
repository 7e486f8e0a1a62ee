package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/lathe/files/{file_id}/validation}: a fine-tune file's stored report with its codes
 * and first issues; 404 for an unknown or another project's file; 400 for a file of another
 * purpose, which has no report.
 */
class FileValidationReportTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static LatheHttp a;
  static LatheHttp b;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    a = new LatheHttp(server, TestServer.KEY_A);
    b = new LatheHttp(server, TestServer.KEY_B);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String upload(OpenAIClient client, String content, FilePurpose purpose) {
    return client
        .files()
        .create(
            FileCreateParams.builder()
                .file(content.getBytes(StandardCharsets.UTF_8))
                .purpose(purpose)
                .build())
        .id();
  }

  @Test
  void aFineTuneFilesReportHasItsCountsCodesAndFirstIssues() throws Exception {
    String good =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
            + "{\"role\":\"assistant\",\"content\":\"Hello\"}]}\n";
    String id =
        upload(
            server.client(TestServer.KEY_A),
            good + "{\"messages\": 3}\n" + good,
            FilePurpose.FINE_TUNE);

    LatheHttp.Reply r = a.get("/lathe/files/" + id + "/validation");

    assertThat(r.status()).isEqualTo(200);
    JsonNode report = r.body();
    assertThat(report.path("object").asText()).isEqualTo("lathe.validation_report");
    assertThat(report.path("file_id").asText()).isEqualTo(id);
    assertThat(report.path("format").asText()).isEqualTo("CHAT");
    assertThat(report.path("examples").asLong()).isEqualTo(3);
    assertThat(report.path("valid_examples").asLong()).isEqualTo(2);
    assertThat(report.path("lines").asLong()).isEqualTo(3);
    assertThat(report.path("errors").asLong()).isPositive();
    JsonNode missing = null;
    for (JsonNode code : report.path("codes")) {
      if (code.path("code").asText().equals("missing_messages_list")) {
        missing = code;
      }
    }
    assertThat(missing).as("codes: %s", report.path("codes")).isNotNull();
    assertThat(missing.path("severity").asText()).isEqualTo("error");
    assertThat(missing.path("count").asLong()).isEqualTo(1);
    JsonNode issue = missing.path("first").get(0);
    assertThat(issue.path("line").asLong()).isEqualTo(2);
    assertThat(issue.path("path").asText()).isEqualTo("messages");
    assertThat(issue.path("message").asText()).isNotBlank();
  }

  @Test
  void anotherProjectsFileIsNotFound() throws Exception {
    String theirs =
        upload(
            server.client(TestServer.KEY_B),
            "{\"prompt\":\"a\",\"completion\":\"b\"}\n",
            FilePurpose.FINE_TUNE);

    LatheHttp.Reply r = a.get("/lathe/files/" + theirs + "/validation");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.param()).isEqualTo("file_id");
    assertThat(r.message()).contains(theirs);
    assertThat(b.get("/lathe/files/" + theirs + "/validation").status()).isEqualTo(200);
  }

  @Test
  void anUnknownFileIsNotFound() throws Exception {
    LatheHttp.Reply r = a.get("/lathe/files/file-nope/validation");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.param()).isEqualTo("file_id");
  }

  @Test
  void aFileOfAnotherPurposeHasNoReport() throws Exception {
    String id = upload(server.client(TestServer.KEY_A), "hello", FilePurpose.USER_DATA);

    LatheHttp.Reply r = a.get("/lathe/files/" + id + "/validation");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.param()).isEqualTo("file_id");
    assertThat(r.message()).contains("fine-tune");
  }
}
