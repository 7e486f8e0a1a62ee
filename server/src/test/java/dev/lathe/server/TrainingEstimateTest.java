package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.files.FilePurpose;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.PreferenceExample;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/lathe/estimate} over HTTP with one worker and TinyStories-656K: token counts from
 * the training renderer, {@code auto} resolved as jobs resolve it, the throughput from a
 * calibration until a job on the base has finished and from that job's measurement after; the
 * OpenAI price of the same tokens. Bad requests get the very answer job creation gives them.
 */
class TrainingEstimateTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;
  static LatheHttp a;
  static HfTokenizer tokenizer;
  static ExampleRenderer training;
  static String chatText;
  static String chatFile;
  static String dpoText;
  static String dpoFile;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE);
    client = server.client(TestServer.KEY_A);
    a = new LatheHttp(server, TestServer.KEY_A);
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    tokenizer = HfTokenizer.load(tiny);
    training = ExampleRenderer.forTokenizer(tokenizer, 512);
    StringBuilder chat = new StringBuilder();
    FineTuningJobsTest.ANIMALS.subList(0, 12).forEach(x -> chat.append(FineTuningJobsTest.line(x)));
    chatText = chat.toString();
    chatFile = FileValidationReportTest.upload(client, chatText, FilePurpose.FINE_TUNE);
    List<String> pairs =
        Files.readAllLines(
                SharedAssets.require("datasets/real/dpo-orca_dpo_pairs-validation.jsonl"))
            .subList(0, 12);
    dpoText = String.join("\n", pairs) + "\n";
    dpoFile = FileValidationReportTest.upload(client, dpoText, FilePurpose.FINE_TUNE);
  }

  @AfterAll
  static void stop() {
    server.close();
    tokenizer.close();
  }

  static ObjectNode body(String model, String file) {
    ObjectNode o = LatheHttp.JSON.createObjectNode();
    o.put("model", model);
    o.put("training_file", file);
    return o;
  }

  static LatheHttp.Reply estimate(JsonNode body) throws Exception {
    return a.post("/lathe/estimate", body);
  }

  static List<JsonNode> lines(String text) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String l : text.split("\n")) {
      out.add(LatheHttp.JSON.readTree(l));
    }
    return out;
  }

  @Test
  void countsTrainingsTokensAndTimesThemByCalibrationThenByFinishedJobs() throws Exception {
    long tokens = 0;
    long trained = 0;
    int line = 1;
    for (JsonNode ex : lines(chatText)) {
      TrainingExample e = training.render(line++, DatasetFormat.CHAT, ex);
      tokens += e.length();
      trained += e.trainedTokens();
    }
    // TinyStories-656K (2 blocks of 196,608 weights) with LoRA, as the run resolves it
    Hyperparameters auto = Hyperparameters.resolve(null, null, null, 12, 2L * 196_608, true);

    LatheHttp.Reply first = estimate(body("tinystories-656k", chatFile));

    assertThat(first.status()).as("%s", first.body()).isEqualTo(200);
    JsonNode e = first.body();
    assertThat(e.path("object").asText()).isEqualTo("lathe.estimate");
    assertThat(e.path("method").asText()).isEqualTo("supervised");
    assertThat(e.path("validation").path("object").asText()).isEqualTo("lathe.validation_report");
    assertThat(e.path("validation").path("file_id").asText()).isEqualTo(chatFile);
    assertThat(e.path("examples").asInt()).isEqualTo(12);
    assertThat(e.path("tokens_per_epoch").asLong()).isEqualTo(tokens);
    assertThat(e.path("trained_tokens_per_epoch").asLong()).isEqualTo(trained);
    assertThat(e.path("n_epochs").asInt()).isEqualTo(auto.epochs());
    assertThat(e.path("batch_size").asInt()).isEqualTo(auto.batchSize());
    assertThat(e.path("learning_rate_multiplier").asDouble()).isEqualTo(10.0);
    assertThat(e.path("steps").asInt()).isEqualTo(auto.totalSteps(12));
    assertThat(e.path("total_tokens").asLong()).isEqualTo(tokens * auto.epochs());
    assertThat(e.path("tokens_per_second").asDouble()).isPositive();
    assertThat(e.path("throughput_source").asText()).contains("calibration");
    assertThat(e.path("estimated_seconds").isIntegralNumber()).isTrue();
    JsonNode cost = e.path("cost");
    assertThat(cost.path("usd").asDouble()).isZero();
    assertThat(cost.path("note").asText()).isNotBlank();
    assertThat(cost.path("openai_equivalent_model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(cost.path("openai_equivalent_usd").asDouble())
        .isCloseTo(
            tokens * auto.epochs() * 3.0 / 1_000_000, org.assertj.core.data.Offset.offset(1e-12));

    ObjectNode given = body("tinystories-656k", chatFile);
    given.putObject("hyperparameters").put("n_epochs", 1).put("batch_size", 4);
    LatheHttp.Reply set = estimate(given);
    assertThat(set.body().path("steps").asInt()).isEqualTo(3);
    assertThat(set.body().path("total_tokens").asLong()).isEqualTo(tokens);

    ObjectNode job = given.deepCopy();
    job.put("suffix", "measured");
    LatheHttp.Reply created = a.post("/fine_tuning/jobs", job);
    String id = created.body().path("id").asText();
    String ft =
        new JobWatch(client)
            .await(id, j -> j.status().asString().equals("succeeded"))
            .fineTunedModel()
            .orElseThrow();

    LatheHttp.Reply after = estimate(given);
    assertThat(after.body().path("throughput_source").asText())
        .isEqualTo(
            "median of 1 finished job on tinystories-656k (LoRA rank "
                + ServerConfig.DEFAULT_LORA_RANK
                + ") on this server");

    // the project's fine-tune renders and trains like its base; another project cannot use it
    ObjectNode onFineTune = given.deepCopy().put("model", ft);
    LatheHttp.Reply continued = estimate(onFineTune);
    assertThat(continued.status()).as("%s", continued.body()).isEqualTo(200);
    assertThat(continued.body().path("tokens_per_epoch").asLong()).isEqualTo(tokens);
    assertThat(continued.body().path("throughput_source").asText()).startsWith("median of 1");
    ObjectNode preview =
        LatheHttp.JSON.createObjectNode().put("model", ft).put("file_id", chatFile);
    assertThat(a.post("/lathe/masking_preview", preview).status()).isEqualTo(200);
    LatheHttp b = new LatheHttp(server, TestServer.KEY_B);
    ObjectNode theirs = LatheHttp.JSON.createObjectNode().put("model", ft);
    theirs.putObject("example").put("prompt", "a").put("completion", "b");
    LatheHttp.Reply foreign = b.post("/lathe/masking_preview", theirs);
    assertThat(foreign.status()).isEqualTo(400);
    assertThat(foreign.param()).isEqualTo("model");
  }

  @Test
  void aPreferenceFileIsCountedAsDpoTrainsItsPairs() throws Exception {
    long tokens = 0;
    long trained = 0;
    int line = 1;
    int kept = 0;
    for (JsonNode ex : lines(dpoText)) {
      PreferenceExample p = training.renderPreference(line++, ex);
      if (p.trainedTokens() == 0) {
        continue; // an answer cut off by the context: training skips the pair
      }
      kept++;
      tokens += p.chosen().length() + p.rejected().length();
      trained += p.chosen().trainedTokens() + p.rejected().trainedTokens();
    }
    ObjectNode req = body("tinystories-656k", dpoFile);
    req.putObject("method").put("type", "dpo");

    LatheHttp.Reply r = estimate(req);

    assertThat(r.status()).as("%s", r.body()).isEqualTo(200);
    assertThat(r.body().path("method").asText()).isEqualTo("dpo");
    assertThat(r.body().path("beta").asDouble()).isEqualTo(0.1);
    assertThat(r.body().path("examples").asInt()).isEqualTo(kept);
    assertThat(r.body().path("tokens_per_epoch").asLong()).isEqualTo(tokens);
    assertThat(r.body().path("trained_tokens_per_epoch").asLong()).isEqualTo(trained);
  }

  @Test
  void badRequestsGetJobCreationsAnswers() throws Exception {
    String theirs =
        FileValidationReportTest.upload(
            server.client(TestServer.KEY_B), chatText, FilePurpose.FINE_TUNE);
    String userData = FileValidationReportTest.upload(client, "hello", FilePurpose.USER_DATA);
    List<ObjectNode> bad = new ArrayList<>();
    bad.add(LatheHttp.JSON.createObjectNode());
    bad.add((ObjectNode) body("tinystories-656k", chatFile).without("model"));
    bad.add((ObjectNode) body("tinystories-656k", chatFile).without("training_file"));
    bad.add(body("nope", chatFile));
    bad.add(body("tinystories-656k", "file-nope"));
    bad.add(body("tinystories-656k", theirs));
    bad.add(body("tinystories-656k", userData));
    bad.add(body("tinystories-656k", chatFile).put("validation_file", 3));
    bad.add(body("tinystories-656k", chatFile).put("suffix", "no spaces"));
    ObjectNode epochs = body("tinystories-656k", chatFile);
    epochs.putObject("hyperparameters").put("n_epochs", 0);
    bad.add(epochs);
    ObjectNode unknownHyper = body("tinystories-656k", chatFile);
    unknownHyper
        .putObject("method")
        .put("type", "supervised")
        .putObject("supervised")
        .putObject("hyperparameters")
        .put("warmup", 3);
    bad.add(unknownHyper);
    ObjectNode method = body("tinystories-656k", chatFile);
    method.putObject("method").put("type", "reinforcement");
    bad.add(method);

    for (ObjectNode b : bad) {
      LatheHttp.Reply job = a.post("/fine_tuning/jobs", b);
      LatheHttp.Reply est = estimate(b);
      assertThat(est.status()).as("%s", b).isEqualTo(400).isEqualTo(job.status());
      assertThat(est.param()).as("%s", b).isEqualTo(job.param());
      assertThat(est.message()).as("%s", b).isEqualTo(job.message());
    }
  }

  @Test
  void filesAJobWouldFailOnAreRefusedWithTheJobsError() throws Exception {
    String small =
        FileValidationReportTest.upload(
            client, FineTuningJobsTest.line("dog"), FilePurpose.FINE_TUNE);
    ObjectNode dpoOnChat = body("tinystories-656k", chatFile);
    dpoOnChat.putObject("method").put("type", "dpo");

    LatheHttp.Reply tooSmall = estimate(body("tinystories-656k", small));
    LatheHttp.Reply wrongFormat = estimate(dpoOnChat);
    LatheHttp.Reply failedJob = a.post("/fine_tuning/jobs", body("tinystories-656k", small));

    assertThat(tooSmall.status()).isEqualTo(400);
    assertThat(tooSmall.param()).isEqualTo("training_file");
    assertThat(tooSmall.message())
        .isEqualTo(failedJob.body().path("error").path("message").asText());
    assertThat(wrongFormat.status()).isEqualTo(400);
    assertThat(wrongFormat.param()).isEqualTo("training_file");
  }

  @Test
  void fieldsAJobRequestDoesNotHaveAndModelsThatCannotTrainAreRefusedByName() throws Exception {
    LatheHttp.Reply unknown = estimate(body("tinystories-656k", chatFile).put("temperature", 1));
    LatheHttp.Reply llama2c = estimate(body("stories260k", chatFile));

    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.param()).isEqualTo("temperature");
    assertThat(llama2c.status()).isEqualTo(400);
    assertThat(llama2c.param()).isEqualTo("model");
    assertThat(llama2c.message()).contains("llama2.c");
  }
}
