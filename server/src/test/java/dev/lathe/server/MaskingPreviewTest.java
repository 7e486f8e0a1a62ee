package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.models.files.FilePurpose;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/lathe/masking_preview} over HTTP: lines of uploaded files and inline examples of
 * every format rendered for TinyStories-656K (its plain template), with counts equal to what the
 * training renderer trains; bad input answered with 400/404 naming the field.
 */
class MaskingPreviewTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static LatheHttp a;
  static HfTokenizer tokenizer;
  static ExampleRenderer training;
  static String weighted;
  static String dpo;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    a = new LatheHttp(server, TestServer.KEY_A);
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    tokenizer = HfTokenizer.load(tiny);
    int context =
        LatheHttp.JSON
            .readTree(tiny.resolve("config.json").toFile())
            .path("max_position_embeddings")
            .asInt();
    training = ExampleRenderer.forTokenizer(tokenizer, context);
    weighted = upload("seed-examples/marv-multiturn-weighted.jsonl", TestServer.KEY_A);
    dpo = upload("seed-examples/weather-dpo.jsonl", TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    server.close();
    tokenizer.close();
  }

  static String upload(String dataset, String key) throws IOException {
    return FileValidationReportTest.upload(
        server.client(key),
        Files.readString(SharedAssets.require("datasets/" + dataset)),
        FilePurpose.FINE_TUNE);
  }

  static List<String> lines(String dataset) throws IOException {
    return Files.readAllLines(SharedAssets.require("datasets/" + dataset));
  }

  static ObjectNode body(String... pairs) {
    ObjectNode o = LatheHttp.JSON.createObjectNode();
    for (int i = 0; i < pairs.length; i += 2) {
      o.put(pairs[i], pairs[i + 1]);
    }
    return o;
  }

  static LatheHttp.Reply preview(JsonNode body) throws Exception {
    return a.post("/lathe/masking_preview", body);
  }

  @Test
  void aFileLineCountsWhatTrainingTrainsWithWeightZeroTurnsIgnored() throws Exception {
    ObjectNode req = body("model", "tinystories-656k", "file_id", weighted);
    req.put("line", 2);

    LatheHttp.Reply r = preview(req);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    JsonNode p = r.body();
    TrainingExample expected =
        training.render(
            2,
            DatasetFormat.CHAT,
            LatheHttp.JSON.readTree(lines("seed-examples/marv-multiturn-weighted.jsonl").get(1)));
    assertThat(p.path("object").asText()).isEqualTo("lathe.masking_preview");
    assertThat(p.path("line").asLong()).isEqualTo(2);
    assertThat(p.path("format").asText()).isEqualTo("CHAT");
    assertThat(p.path("truncated").asBoolean()).isFalse();
    JsonNode counts = p.path("counts");
    assertThat(counts.path("trained").asInt()).isEqualTo(expected.trainedTokens());
    assertThat(counts.path("total").asInt()).isEqualTo(expected.length() + 1);
    assertThat(counts.path("ignored").asInt())
        .isEqualTo(counts.path("total").asInt() - counts.path("trained").asInt());
    JsonNode byRole = counts.path("ignored_by_role");
    assertThat(byRole.path("assistant_weight_0").asInt()).isPositive();
    assertThat(byRole.path("system").asInt()).isPositive();
    assertThat(byRole.path("user").asInt()).isPositive();
    assertThat(byRole.path("template").asInt()).isPositive();
    StringBuilder text = new StringBuilder();
    int trained = 0;
    for (JsonNode t : p.path("tokens")) {
      text.append(t.path("text").asText());
      if (t.path("trained").asBoolean()) {
        trained++;
        assertThat(t.path("role").asText()).isEqualTo("assistant");
      }
    }
    assertThat(trained).isEqualTo(expected.trainedTokens());
    assertThat(text.toString()).contains("System: Marv is a factual chatbot").contains("User: ");
  }

  @Test
  void withoutALineTheFirstValidExampleIsShown() throws Exception {
    LatheHttp.Reply r = preview(body("model", "tinystories-656k", "file_id", weighted));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().path("line").asLong()).isEqualTo(1);
  }

  @Test
  void anInlinePromptCompletionExampleShowsPromptAndCompletion() throws Exception {
    ObjectNode req = body("model", "tinystories-656k");
    req.putObject("example").put("prompt", "Once upon a time").put("completion", " a cat sat.");

    LatheHttp.Reply r = preview(req);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    JsonNode p = r.body();
    assertThat(p.path("line").isNull()).isTrue();
    assertThat(p.path("format").asText()).isEqualTo("PROMPT_COMPLETION");
    TrainingExample expected =
        training.render(0, DatasetFormat.PROMPT_COMPLETION, req.path("example"));
    assertThat(p.path("counts").path("trained").asInt()).isEqualTo(expected.trainedTokens());
    assertThat(p.path("counts").path("ignored_by_role").path("prompt").asInt()).isPositive();
    JsonNode tokens = p.path("tokens");
    assertThat(tokens.get(0).path("role").asText()).isEqualTo("template");
    assertThat(tokens.get(tokens.size() - 1).path("role").asText()).isEqualTo("completion");
    assertThat(tokens.get(tokens.size() - 1).path("trained").asBoolean()).isTrue();
  }

  @Test
  void aPreferenceLineShowsThePreferredAnswerAsDpoTrainsIt() throws Exception {
    LatheHttp.Reply r = preview(body("model", "tinystories-656k", "file_id", dpo));

    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    JsonNode p = r.body();
    assertThat(p.path("format").asText()).isEqualTo("PREFERENCE");
    assertThat(p.path("answer").asText()).isEqualTo("preferred");
    JsonNode example = LatheHttp.JSON.readTree(lines("seed-examples/weather-dpo.jsonl").getFirst());
    assertThat(p.path("counts").path("trained").asInt())
        .isEqualTo(training.renderPreference(1, example).chosen().trainedTokens());
  }

  @Test
  void anInvalidLineIsRefusedWithTheValidatorsProblem() throws Exception {
    String good = lines("seed-examples/marv-sarcastic.jsonl").getFirst();
    String file =
        FileValidationReportTest.upload(
            server.client(TestServer.KEY_A),
            good + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n\n" + good + "\n",
            FilePurpose.FINE_TUNE);
    ObjectNode req = body("model", "tinystories-656k", "file_id", file);

    req.put("line", 2);
    LatheHttp.Reply invalid = preview(req);
    req.put("line", 3);
    LatheHttp.Reply blank = preview(req);
    req.put("line", 40);
    LatheHttp.Reply beyond = preview(req);
    req.put("line", 0);
    LatheHttp.Reply zero = preview(req);

    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.param()).isEqualTo("line");
    assertThat(invalid.message()).contains("Line 2").contains("assistant");
    assertThat(blank.status()).isEqualTo(400);
    assertThat(blank.message()).contains("Line 3").contains("not an example");
    assertThat(beyond.status()).isEqualTo(400);
    assertThat(beyond.message()).contains("has 4 lines");
    assertThat(zero.param()).isEqualTo("line");
  }

  @Test
  void filesThatAreUnknownOrAnotherProjectsAreNotFound() throws Exception {
    String theirs = upload("seed-examples/marv-sarcastic.jsonl", TestServer.KEY_B);

    LatheHttp.Reply foreign = preview(body("model", "tinystories-656k", "file_id", theirs));
    LatheHttp.Reply unknown = preview(body("model", "tinystories-656k", "file_id", "file-x"));

    assertThat(foreign.status()).isEqualTo(404);
    assertThat(foreign.param()).isEqualTo("file_id");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.param()).isEqualTo("file_id");
  }

  @Test
  void badFieldsAreRefusedByName() throws Exception {
    LatheHttp.Reply noModel = preview(body("file_id", weighted));
    LatheHttp.Reply unknownModel = preview(body("model", "nope", "file_id", weighted));
    LatheHttp.Reply llama2c = preview(body("model", "stories260k", "file_id", weighted));
    LatheHttp.Reply neither = preview(body("model", "tinystories-656k"));
    ObjectNode both = body("model", "tinystories-656k", "file_id", weighted);
    both.putObject("example").put("prompt", "a").put("completion", "b");
    ObjectNode extra = body("model", "tinystories-656k", "file_id", weighted, "temperature", "1");
    ObjectNode badExample = body("model", "tinystories-656k");
    badExample.putObject("example").putArray("messages");
    String userData =
        FileValidationReportTest.upload(
            server.client(TestServer.KEY_A), "hello", FilePurpose.USER_DATA);

    assertThat(noModel.param()).isEqualTo("model");
    assertThat(unknownModel.param()).isEqualTo("model");
    assertThat(llama2c.status()).isEqualTo(400);
    assertThat(llama2c.param()).isEqualTo("model");
    assertThat(neither.param()).isEqualTo("file_id");
    assertThat(preview(both).param()).isEqualTo("example");
    LatheHttp.Reply unsupported = preview(extra);
    assertThat(unsupported.status()).isEqualTo(400);
    assertThat(unsupported.param()).isEqualTo("temperature");
    LatheHttp.Reply invalidExample = preview(badExample);
    assertThat(invalidExample.status()).isEqualTo(400);
    assertThat(invalidExample.param()).isEqualTo("example");
    LatheHttp.Reply notFineTune = preview(body("model", "tinystories-656k", "file_id", userData));
    assertThat(notFineTune.status()).isEqualTo(400);
    assertThat(notFineTune.param()).isEqualTo("file_id");
  }
}
