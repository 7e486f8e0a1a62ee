package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.TemplateMismatchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Template integrity: a job fine-tunes a copy of TinyStories-656K given a chat template of its own;
 * its models record the template, special tokens and tokenizer hash they were trained with. After
 * the copy's {@code tokenizer_config.json} (template, then a special token) or its {@code
 * tokenizer.json} changes, the server refuses the fine-tune and its checkpoint with a 409 naming
 * the model, the part and both hashes (computed here by hand), while the base itself still serves;
 * restored files serve the fine-tune again with the same reply. A merged fine-tune opened directly
 * (as {@code lathe chat --model DIR} does) is refused the same way when its own copy changes.
 */
class TemplateIntegrityTest {
  @TempDir Path dataDir;
  @TempDir Path baseDir;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A template spelled in TinyStories' words, writing the BOS and ending answers with the EOS. */
  static final String TEMPLATE =
      "{{ bos_token }}{% for message in messages %}"
          + "{% if message.role == 'user' %}{{ 'Question: ' + message.content + '\\n' }}"
          + "{% elif message.role == 'assistant' %}{{ 'Answer: ' + message.content + eos_token }}"
          + "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ 'Answer:' }}{% endif %}";

  /** The special tokens the template sees, as compact JSON with sorted keys (by hand). */
  static final String SPECIAL_TOKENS =
      "{\"bos_token\":\"<|start_story|>\",\"eos_token\":\"<|end_story|>\","
          + "\"pad_token\":\"<unk>\",\"unk_token\":\"<unk>\"}";

  static final String BASE = "story-chat";

  @Test
  void aFineTuneIsRefusedWhenItsBasesTemplateOrTokenizerChanged() throws Exception {
    Path shared = SharedAssets.require("models/hf-TinyStories-656K");
    try (Stream<Path> files = Files.list(shared)) {
      for (Path f : files.toList()) {
        Files.copy(f, baseDir.resolve(f.getFileName()));
      }
    }
    Path config = baseDir.resolve("tokenizer_config.json");
    Path tokenizer = baseDir.resolve("tokenizer.json");
    ObjectNode original = (ObjectNode) JSON.readTree(config.toFile());
    writeConfig(config, original, TEMPLATE, null);
    byte[] tokenizerBytes = Files.readAllBytes(tokenizer);
    byte[] configBytes = Files.readAllBytes(config);
    Map<String, String> models = Map.of(BASE, baseDir.toString());

    String fineTune;
    String checkpoint;
    String reply;
    String jobId;
    try (TestServer server = TestServer.withModels(dataDir, 1, models)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = TrainingFiles.uploadAnimals(client);
      jobId =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model(BASE)
                      .trainingFile(file)
                      .seed(3)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(2L)
                              .batchSize(5L)
                              .build())
                      .build())
              .id();
      FineTuningJob job =
          new JobWatch(client)
              .await(jobId, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      fineTune = job.fineTunedModel().orElseThrow();
      checkpoint =
          client.fineTuning().jobs().checkpoints().list(jobId).data().stream()
              .map(c -> c.fineTunedModelCheckpoint())
              .filter(m -> m.endsWith(":ckpt-step-2"))
              .findFirst()
              .orElseThrow();
      // the unchanged base serves its fine-tune
      LatheHttp.Reply ok = chat(server, fineTune);
      assertThat(ok.status()).as(ok.body().toString()).isEqualTo(200);
      reply = ok.body().path("choices").path(0).path("message").path("content").asText();
    }

    // what the run recorded: the template, its special tokens and both hashes, as the lineage has
    Path run = dataDir.resolve("jobs").resolve(jobId);
    JsonNode trained = JSON.readTree(run.resolve("adapter/lathe_template.json").toFile());
    String templateHash =
        sha256((TEMPLATE + "\0" + SPECIAL_TOKENS).getBytes(StandardCharsets.UTF_8));
    String tokenizerHash = sha256(tokenizerBytes);
    assertThat(trained.path("template_source").asText()).isEqualTo(TEMPLATE);
    assertThat(trained.path("special_tokens").path("eos_token").asText())
        .isEqualTo("<|end_story|>");
    assertThat(trained.path("template_sha256").asText()).isEqualTo(templateHash);
    assertThat(trained.path("tokenizer_sha256").asText()).isEqualTo(tokenizerHash);
    JsonNode lineage = JSON.readTree(run.resolve("lineage.json").toFile()).path("base");
    assertThat(lineage.path("template_sha256").asText()).isEqualTo(templateHash);
    assertThat(lineage.path("tokenizer_sha256").asText()).isEqualTo(tokenizerHash);
    assertThat(run.resolve("checkpoints/checkpoint-step-2/adapter/lathe_template.json"))
        .isRegularFile();
    assertThat(run.resolve("merged/lathe_template.json")).isRegularFile();

    // 1. the template changed
    String edited = TEMPLATE.replace("'Answer: '", "'Reply: '");
    writeConfig(config, original, edited, null);
    String editedHash = sha256((edited + "\0" + SPECIAL_TOKENS).getBytes(StandardCharsets.UTF_8));
    try (TestServer server = TestServer.withModels(dataDir, 0, models)) {
      for (String model : List.of(fineTune, checkpoint)) {
        LatheHttp.Reply refused = chat(server, model);
        assertRefused(refused, model, "chat template", "template_sha256", templateHash, editedHash);
      }
      assertThat(chat(server, BASE).status()).isEqualTo(200); // the base itself serves
    }

    // 2. a special token changed (the template's source did not)
    writeConfig(config, original, TEMPLATE, "<|end_story|>");
    String padHash =
        sha256(
            (TEMPLATE
                    + "\0"
                    + SPECIAL_TOKENS.replace(
                        "\"pad_token\":\"<unk>\"", "\"pad_token\":\"<|end_story|>\""))
                .getBytes(StandardCharsets.UTF_8));
    try (TestServer server = TestServer.withModels(dataDir, 0, models)) {
      assertRefused(
          chat(server, fineTune),
          fineTune,
          "special tokens",
          "template_sha256",
          templateHash,
          padHash);
    }

    // 3. the tokenizer file changed (the same tokenizer, written compactly: other bytes)
    Files.write(config, configBytes);
    byte[] compact = JSON.writeValueAsBytes(JSON.readTree(tokenizerBytes));
    assertThat(compact).isNotEqualTo(tokenizerBytes);
    Files.write(tokenizer, compact);
    try (TestServer server = TestServer.withModels(dataDir, 0, models)) {
      assertRefused(
          chat(server, fineTune),
          fineTune,
          "tokenizer",
          "tokenizer_sha256",
          tokenizerHash,
          sha256(compact));
    }

    // 4. restored: served again, the same reply
    Files.write(tokenizer, tokenizerBytes);
    try (TestServer server = TestServer.withModels(dataDir, 0, models)) {
      LatheHttp.Reply again = chat(server, fineTune);
      assertThat(again.status()).as(again.body().toString()).isEqualTo(200);
      assertThat(again.body().path("choices").path(0).path("message").path("content").asText())
          .isEqualTo(reply);
      assertThat(chat(server, checkpoint).status()).isEqualTo(200);
    }

    // a merged fine-tune carries its own copy of the tokenizer files, checked when it is opened
    Path merged = run.resolve("merged");
    HubSettings offline =
        new HubSettings(
            HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dataDir.resolve("hub"), true);
    try (ChatModel unchanged = ChatModel.open(merged.toString(), Optional.empty(), offline)) {
      assertThat(unchanged.chatTemplate().source()).isEqualTo(TEMPLATE);
    }
    writeConfig(merged.resolve("tokenizer_config.json"), original, edited, null);
    assertThatThrownBy(() -> ChatModel.open(merged.toString(), Optional.empty(), offline))
        .isInstanceOf(TemplateMismatchException.class)
        .hasMessageContaining(merged.toString())
        .hasMessageContaining("chat template")
        .hasMessageContaining(templateHash)
        .hasMessageContaining(editedHash);
  }

  private static void assertRefused(
      LatheHttp.Reply refused,
      String model,
      String part,
      String hashName,
      String trained,
      String now) {
    assertThat(refused.status()).as(refused.body().toString()).isEqualTo(409);
    assertThat(refused.param()).isEqualTo("model");
    assertThat(refused.body().path("error").path("code").asText()).isEqualTo("template_mismatch");
    assertThat(refused.body().path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(refused.message())
        .contains("`" + model + "`")
        .contains("another " + part + " than its base has now")
        .contains(hashName + " " + trained + " when trained, " + now + " now")
        .contains("Restore the base's tokenizer files")
        .contains("train the fine-tune again");
  }

  private static LatheHttp.Reply chat(TestServer server, String model) throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.put("temperature", 0);
    body.put("max_completion_tokens", 12);
    body.putArray("messages")
        .addObject()
        .put("role", "user")
        .put("content", "What does the dog say?");
    return new LatheHttp(server, TestServer.KEY_A).post("/chat/completions", body);
  }

  /**
   * {@code original} with {@code template} as its chat_template and, unless null, the pad token.
   */
  private static void writeConfig(Path file, ObjectNode original, String template, String pad)
      throws IOException {
    ObjectNode config = original.deepCopy();
    config.put("chat_template", template);
    if (pad != null) {
      config.put("pad_token", pad);
    }
    Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
