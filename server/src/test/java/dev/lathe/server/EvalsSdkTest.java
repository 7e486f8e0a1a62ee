package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.evals.EvalCreateParams;
import com.openai.models.evals.EvalCreateResponse;
import com.openai.models.evals.EvalRetrieveResponse;
import com.openai.models.evals.runs.CreateEvalCompletionsRunDataSource;
import com.openai.models.evals.runs.CreateEvalCompletionsRunDataSource.InputMessages.Template.InnerTemplate.EvalItem;
import com.openai.models.evals.runs.RunCreateParams;
import com.openai.models.evals.runs.RunCreateResponse;
import com.openai.models.evals.runs.RunRetrieveParams;
import com.openai.models.evals.runs.RunRetrieveResponse;
import com.openai.models.evals.runs.outputitems.OutputItemListParams;
import com.openai.models.evals.runs.outputitems.OutputItemListResponse;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.graders.gradermodels.StringCheckGrader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evals end to end through the official OpenAI Java SDK, on a synthetic task TinyStories-656K
 * learns in a few dozen steps: after a sentence saying whether someone was happy or sad, answer the
 * question "Was NAME happy?" with the JSON number 1 or 0 and nothing else. A LoRA fine-tune is
 * trained on 16 names through the jobs API; an eval with a string_check criterion (the answer
 * equals the item's label) and a JSON-schema criterion (the answer is the JSON integer 0 or 1;
 * Lathe's extension grader, sent through the SDK's raw-JSON escape hatch) runs on the base model
 * and on the {@code ft:} model over a held-out JSONL file of 8 other names, uploaded with purpose
 * {@code evals}; the fine-tune passes more, and the output items read back show why.
 */
class EvalsSdkTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;

  static final List<String> TRAIN =
      List.of(
          "Lily", "Tom", "Sue", "Ben", "Mia", "Max", "Anna", "Sam", "Lucy", "Jack", "Emma", "Tim",
          "Amy", "Joe", "Kate", "Bob");
  static final List<String> HELD_OUT =
      List.of("Sara", "Leo", "Zoe", "Dan", "Ella", "Nick", "Rose", "Finn");
  static final List<String> MOODS = List.of("happy", "sad");

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1);
    client = server.client(TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String question(String name, String mood) {
    return name + " was " + mood + " today. Was " + name + " happy?";
  }

  static String label(String mood) {
    return mood.equals("happy") ? "1" : "0";
  }

  static String upload(String content, FilePurpose purpose) {
    return client
        .files()
        .create(
            FileCreateParams.builder()
                .file(content.getBytes(StandardCharsets.UTF_8))
                .purpose(purpose)
                .build())
        .id();
  }

  /** Trains the fine-tune; its model name. */
  static String fineTune() throws InterruptedException {
    StringBuilder train = new StringBuilder();
    for (String mood : MOODS) {
      for (String name : TRAIN) {
        train.append(
            "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + question(name, mood)
                + "\"},{\"role\":\"assistant\",\"content\":\""
                + label(mood)
                + "\"}]}\n");
      }
    }
    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model("tinystories-656k")
                    .trainingFile(upload(train.toString(), FilePurpose.FINE_TUNE))
                    .suffix("mood")
                    .seed(7)
                    .hyperparameters(
                        JobCreateParams.Hyperparameters.builder()
                            .nEpochs(6)
                            .batchSize(4)
                            .learningRateMultiplier(10.0)
                            .build())
                    .build());
    FineTuningJob done =
        new JobWatch(client)
            .await(job.id(), j -> j.status().asString().matches("succeeded|failed|cancelled"));
    assertThat(done.status().asString()).as("error: %s", done.error()).isEqualTo("succeeded");
    return done.fineTunedModel().orElseThrow();
  }

  static EvalCreateResponse createEval() {
    Map<String, Object> itemSchema =
        Map.of(
            "type", "object",
            "properties",
                Map.of(
                    "name", Map.of("type", "string"),
                    "mood", Map.of("type", "string"),
                    "label", Map.of("type", "string")),
            "required", List.of("name", "mood", "label"));
    EvalCreateParams.DataSourceConfig.Custom.ItemSchema.Builder schema =
        EvalCreateParams.DataSourceConfig.Custom.ItemSchema.builder();
    itemSchema.forEach((k, v) -> schema.putAdditionalProperty(k, JsonValue.from(v)));
    // json_schema is Lathe's grader, which the SDK has no type for: its raw JSON goes as is
    EvalCreateParams.TestingCriterion jsonSchema =
        JsonValue.from(
                Map.of(
                    "type", "json_schema",
                    "name", "answers 0 or 1 in JSON",
                    "input", "{{sample.output_text}}",
                    "schema", Map.of("type", "integer", "minimum", 0, "maximum", 1)))
            .convert(EvalCreateParams.TestingCriterion.class);
    return client
        .evals()
        .create(
            EvalCreateParams.builder()
                .name("moods as JSON numbers")
                .dataSourceConfig(
                    EvalCreateParams.DataSourceConfig.Custom.builder()
                        .itemSchema(schema.build())
                        .includeSampleSchema(true)
                        .build())
                .addTestingCriterion(
                    StringCheckGrader.builder()
                        .name("the right label")
                        .input("{{sample.output_text}}")
                        .reference("{{item.label}}")
                        .operation(StringCheckGrader.Operation.EQ)
                        .build())
                .addTestingCriterion(jsonSchema)
                .build());
  }

  static RunRetrieveResponse run(String evalId, String model, String fileId)
      throws InterruptedException {
    RunCreateResponse created =
        client
            .evals()
            .runs()
            .create(
                RunCreateParams.builder()
                    .evalId(evalId)
                    .name(model)
                    .dataSource(
                        CreateEvalCompletionsRunDataSource.builder()
                            .type(CreateEvalCompletionsRunDataSource.Type.COMPLETIONS)
                            .model(model)
                            .fileIdSource(fileId)
                            .templateInputMessages(
                                List.of(
                                    CreateEvalCompletionsRunDataSource.InputMessages.Template
                                        .InnerTemplate.ofEvalItem(
                                        EvalItem.builder()
                                            .role(EvalItem.Role.USER)
                                            .content(question("{{item.name}}", "{{item.mood}}"))
                                            .build())))
                            .samplingParams(
                                CreateEvalCompletionsRunDataSource.SamplingParams.builder()
                                    .temperature(0.0)
                                    .maxCompletionTokens(8)
                                    .seed(1)
                                    .build())
                            .build())
                    .build());
    assertThat(created.status()).isIn("queued", "in_progress");
    long deadline = System.nanoTime() + JobWatch.PATIENCE.toNanos();
    while (true) {
      RunRetrieveResponse run =
          client
              .evals()
              .runs()
              .retrieve(RunRetrieveParams.builder().evalId(evalId).runId(created.id()).build());
      if (!run.status().equals("queued") && !run.status().equals("in_progress")) {
        return run;
      }
      assertThat(System.nanoTime()).as("run %s", run.status()).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  static double rate(RunRetrieveResponse run, String criterion) {
    var result =
        run.perTestingCriteriaResults().stream()
            .filter(r -> r.testingCriteria().equals(criterion))
            .findFirst()
            .orElseThrow();
    return (double) result.passed() / (result.passed() + result.failed());
  }

  @Test
  void theFineTuneScoresHigherThanItsBaseOnTheTaskItWasTrainedFor() throws Exception {
    String ft = fineTune();
    StringBuilder heldOut = new StringBuilder();
    for (int i = 0; i < HELD_OUT.size(); i++) {
      String mood = MOODS.get(i % 2);
      heldOut.append(
          "{\"item\":{\"name\":\""
              + HELD_OUT.get(i)
              + "\",\"mood\":\""
              + mood
              + "\",\"label\":\""
              + label(mood)
              + "\"}}\n");
    }
    String fileId = upload(heldOut.toString(), FilePurpose.EVALS);
    EvalCreateResponse eval = createEval();
    assertThat(eval.id()).startsWith("eval_");
    assertThat(eval.testingCriteria()).hasSize(2);
    EvalRetrieveResponse read = client.evals().retrieve(eval.id());
    assertThat(read.name()).isEqualTo("moods as JSON numbers");

    RunRetrieveResponse base = run(eval.id(), "tinystories-656k", fileId);
    RunRetrieveResponse tuned = run(eval.id(), ft, fileId);

    for (RunRetrieveResponse run : List.of(base, tuned)) {
      assertThat(run.status()).isEqualTo("completed");
      assertThat(run.resultCounts().total()).isEqualTo(HELD_OUT.size());
      assertThat(run.resultCounts().errored()).isZero();
      assertThat(run.perModelUsage().getFirst().invocationCount()).isEqualTo(HELD_OUT.size());
    }
    double baseLabels = rate(base, "the right label");
    double tunedLabels = rate(tuned, "the right label");
    double baseJson = rate(base, "answers 0 or 1 in JSON");
    double tunedJson = rate(tuned, "answers 0 or 1 in JSON");
    System.out.printf(
        "EvalsSdkTest: right label base %.3f ft %.3f; 0 or 1 in JSON base %.3f ft %.3f;"
            + " all criteria base %d/%d ft %d/%d%n",
        baseLabels,
        tunedLabels,
        baseJson,
        tunedJson,
        base.resultCounts().passed(),
        base.resultCounts().total(),
        tuned.resultCounts().passed(),
        tuned.resultCounts().total());
    assertThat(tunedJson).isGreaterThanOrEqualTo(baseJson + 0.5);
    assertThat(tuned.resultCounts().passed())
        .isGreaterThanOrEqualTo(base.resultCounts().passed() + 3);

    List<OutputItemListResponse> items =
        client
            .evals()
            .runs()
            .outputItems()
            .list(OutputItemListParams.builder().evalId(eval.id()).runId(tuned.id()).build())
            .data();
    assertThat(items).hasSize(HELD_OUT.size());
    for (OutputItemListResponse item : items) {
      int index = (int) item.datasourceItemId();
      assertThat(item.datasourceItem()._additionalProperties().get("name").asString())
          .contains(HELD_OUT.get(index));
      assertThat(item.sample().model()).isEqualTo(ft);
      String answer = item.sample().output().getFirst().content().orElse("");
      assertThat(item.results().getFirst().passed())
          .as("answer %s", answer)
          .isEqualTo(answer.equals(label(MOODS.get(index % 2))));
      assertThat(item.status())
          .isEqualTo(item.results().stream().allMatch(r -> r.passed()) ? "pass" : "fail");
    }
  }
}
