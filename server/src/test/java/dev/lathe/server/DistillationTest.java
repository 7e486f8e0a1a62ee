package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Distillation end to end with the official OpenAI Java SDK: chat completions stored with {@code
 * store: true} and metadata, exported by {@code POST /v1/lathe/chat/completions/export} (filtered
 * by model, metadata and time) as a {@code fine-tune} file validated like an upload, a job that
 * trains on it and succeeds, and the student {@code ft:} model answering. On SQLite and on
 * PostgreSQL.
 *
 * <p>An honest note: with the shared assets the teacher and the student are the same tiny model
 * (TinyStories-656K), so this shows the pipeline working, not a student getting better.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class DistillationTest {
  /** The fixed clock of {@link TestServer}: every completion is stored at this instant. */
  private static final long NOW = Instant.parse("2026-11-22T12:00:00Z").getEpochSecond();

  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;
  static LatheHttp http;

  @Parameter TestDatabase database;

  @BeforeParameterizedClassInvocation
  static void start(TestDatabase database) throws IOException {
    server =
        new TestServer(
            dataDir.resolve(database.name()), ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, database);
    client = server.client(TestServer.KEY_A);
    http = new LatheHttp(server, TestServer.KEY_A);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Test
  void storedCompletionsBecomeATrainingFileAStudentLearnsFrom() throws Exception {
    List<String> answers = new ArrayList<>();
    for (String animal : FineTuningJobsTest.ANIMALS.subList(0, 12)) {
      ChatCompletion teacher =
          client
              .chat()
              .completions()
              .create(
                  StoredCompletionsTest.chat(
                          "tinystories-656k",
                          "What does the " + animal + " say?",
                          Map.of("dataset", "animals"))
                      .maxCompletionTokens(16)
                      .build());
      answers.add(teacher.choices().get(0).message().content().orElseThrow());
    }
    // not exported: another dataset, another model
    client
        .chat()
        .completions()
        .create(
            StoredCompletionsTest.chat("tinystories-656k", "Hi", Map.of("dataset", "x")).build());
    client
        .chat()
        .completions()
        .create(
            StoredCompletionsTest.chat("stories260k", "Hi", Map.of("dataset", "animals")).build());

    ObjectNode filter = LatheHttp.JSON.createObjectNode();
    filter.put("model", "tinystories-656k");
    filter.putObject("metadata").put("dataset", "animals");
    filter.put("created_after", NOW);
    filter.put("created_before", NOW + 1);
    LatheHttp.Reply export = http.post("/lathe/chat/completions/export", filter);
    assertThat(export.status()).as(export.body().toString()).isEqualTo(200);
    assertThat(export.body().get("object").asText()).isEqualTo("lathe.chat_completions_export");
    assertThat(export.body().get("completions").asInt()).isEqualTo(12);
    String fileId = export.body().get("file").get("id").asText();
    assertThat(client.files().retrieve(fileId).purpose().asString()).isEqualTo("fine-tune");
    JsonNode report = http.get("/lathe/files/" + fileId + "/validation").body();
    assertThat(report.get("errors").asLong()).isZero();
    assertThat(report.get("valid_examples").asLong()).isEqualTo(12);
    List<JsonNode> lines = lines(fileId);
    assertThat(lines).hasSize(12);
    for (int i = 0; i < lines.size(); i++) {
      JsonNode messages = lines.get(i).get("messages");
      assertThat(messages.findValuesAsText("role")).containsExactly("system", "user", "assistant");
      assertThat(messages.get(1).get("content").asText())
          .isEqualTo("What does the " + FineTuningJobsTest.ANIMALS.get(i) + " say?");
      assertThat(messages.get(2).get("content").asText()).isEqualTo(answers.get(i));
    }

    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model("tinystories-656k")
                    .trainingFile(fileId)
                    .suffix("student")
                    .seed(7)
                    .hyperparameters(
                        JobCreateParams.Hyperparameters.builder()
                            .nEpochs(1L)
                            .batchSize(4L)
                            .learningRateMultiplier(10.0)
                            .build())
                    .build());
    FineTuningJob done =
        new JobWatch(client)
            .await(job.id(), j -> j.status().asString().matches("succeeded|failed|cancelled"));
    assertThat(done.status()).as(done.error().toString()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
    String student = done.fineTunedModel().orElseThrow();
    assertThat(student).startsWith("ft:tinystories-656k:proj_a:student:");
    ChatCompletion answer =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model(student)
                    .addUserMessage("What does the dog say?")
                    .temperature(0.0)
                    .maxCompletionTokens(16)
                    .build());
    assertThat(answer.model()).isEqualTo(student);
    assertThat(answer.choices().get(0).message().content().orElseThrow()).isNotBlank();
  }

  @Test
  void toolsAndToolCallsTravelIntoTheExampleAndEmptyFiltersAreRefused() throws Exception {
    // a stored conversation that used a tool: its tools and the assistant's call are kept
    String request =
        "{\"model\":\"stories260k\",\"store\":true,\"metadata\":{\"dataset\":\"tools\"},"
            + "\"temperature\":0,\"max_completion_tokens\":4,"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Rain?\"}]},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\","
            + "\"type\":\"function\",\"function\":{\"name\":\"weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"rain\"}]}";
    LatheHttp.Reply stored = http.post("/chat/completions", request);
    assertThat(stored.status()).as(stored.body().toString()).isEqualTo(200);
    LatheHttp.Reply export =
        http.post(
            "/lathe/chat/completions/export",
            "{\"metadata\":{\"dataset\":\"tools\"},\"filename\":\"tools.jsonl\"}");
    assertThat(export.status()).as(export.body().toString()).isEqualTo(200);
    assertThat(export.body().get("file").get("filename").asText()).isEqualTo("tools.jsonl");
    JsonNode line = lines(export.body().get("file").get("id").asText()).get(0);
    assertThat(line.get("tools").get(0).get("function").get("name").asText()).isEqualTo("weather");
    JsonNode messages = line.get("messages");
    assertThat(messages.findValuesAsText("role"))
        .containsExactly("user", "assistant", "tool", "assistant");
    assertThat(messages.get(0).get("content").asText()).isEqualTo("Rain?");
    assertThat(messages.get(1).get("tool_calls").get(0).get("id").asText()).isEqualTo("call_1");
    assertThat(messages.get(2).get("tool_call_id").asText()).isEqualTo("call_1");
    assertThat(messages.get(3).get("content").asText())
        .isEqualTo(stored.body().get("choices").get(0).get("message").get("content").asText());

    LatheHttp.Reply later =
        http.post("/lathe/chat/completions/export", "{\"created_after\":" + (NOW + 1) + "}");
    assertThat(later.status()).isEqualTo(400);
    assertThat(later.message()).contains("No stored chat completions");
    LatheHttp.Reply otherProject =
        new LatheHttp(server, TestServer.KEY_B)
            .post("/lathe/chat/completions/export", "{\"metadata\":{\"dataset\":\"tools\"}}");
    assertThat(otherProject.status()).isEqualTo(400);
    LatheHttp.Reply unknown = http.post("/lathe/chat/completions/export", "{\"limit\":3}");
    assertThat(unknown.param()).isEqualTo("limit");
    LatheHttp.Reply backwards =
        http.post(
            "/lathe/chat/completions/export",
            "{\"created_after\":" + NOW + ",\"created_before\":" + NOW + "}");
    assertThat(backwards.param()).isEqualTo("created_before");
  }

  private static List<JsonNode> lines(String fileId) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    try (HttpResponse content = client.files().content(fileId)) {
      for (String line :
          new String(content.body().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        out.add(LatheHttp.JSON.readTree(line));
      }
    }
    return out;
  }
}
