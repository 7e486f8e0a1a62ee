package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import com.openai.models.models.Model;
import dev.lathe.testkit.ChatFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Jobs really train: the official OpenAI Java SDK against a server with one in-process worker and
 * TinyStories-656K (LoRA): upload, create, watch the events and checkpoints to {@code succeeded},
 * read the result file, chat with the {@code ft:} model and a checkpoint model (plain and streamed
 * alike at temperature 0), delete the model; a base that cannot be trained fails the job with an
 * error object; cancel stops a running job without a model; pause and resume continue from the step
 * where the pause stopped. On SQLite and on PostgreSQL.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class FineTuningJobsTest {
  static final List<String> ANIMALS =
      List.of(
          "dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig", "horse",
          "sheep", "bunny", "mouse", "owl", "fox");

  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;
  static String trainFile;
  static String validFile;

  @Parameter TestDatabase database;

  static String line(String animal) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"What does the "
        + animal
        + " say?\"},{\"role\":\"assistant\",\"content\":\"The "
        + animal
        + " says hello!\"}]}\n";
  }

  @BeforeParameterizedClassInvocation
  static void start(TestDatabase database) throws IOException {
    server =
        new TestServer(
            dataDir.resolve(database.name()), ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, database);
    client = server.client(TestServer.KEY_A);
    StringBuilder train = new StringBuilder();
    ANIMALS.forEach(a -> train.append(line(a)));
    trainFile = upload(train.toString());
    validFile = upload(line("bee") + line("goat") + line("snake") + line("turtle"));
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  static String upload(String content) {
    return client
        .files()
        .create(
            FileCreateParams.builder()
                .file(content.getBytes(StandardCharsets.UTF_8))
                .purpose(FilePurpose.FINE_TUNE)
                .build())
        .id();
  }

  static FineTuningJob create(String model, long epochs, long batch, boolean validation) {
    return create(model, epochs, batch, validation, "animals");
  }

  /**
   * A job with its own {@code suffix}, so its models can be told from other jobs' in the project's
   * model list (a cancelled job keeps its checkpoint models).
   */
  static FineTuningJob create(
      String model, long epochs, long batch, boolean validation, String suffix) {
    JobCreateParams.Builder p =
        JobCreateParams.builder()
            .model(model)
            .trainingFile(trainFile)
            .suffix(suffix)
            .seed(7)
            .hyperparameters(
                JobCreateParams.Hyperparameters.builder()
                    .nEpochs(epochs)
                    .batchSize(batch)
                    .learningRateMultiplier(10.0)
                    .build());
    if (validation) {
      p.validationFile(validFile);
    }
    return client.fineTuning().jobs().create(p.build());
  }

  /** A job on TinyStories-656K with every setting auto, training on {@code trainingFile}. */
  static FineTuningJob createOn(String trainingFile) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder().model("tinystories-656k").trainingFile(trainingFile).build());
  }

  static FineTuningJob await(String id, Predicate<FineTuningJob> done) throws InterruptedException {
    return new JobWatch(client).await(id, done);
  }

  static boolean is(FineTuningJob job, String status) {
    return job.status().asString().equals(status);
  }

  static List<FineTuningJobEvent> events(String id) {
    return new JobWatch(client).events(id);
  }

  static boolean training(String id) {
    return new JobWatch(client).training(id);
  }

  /** The project's fine-tuned models whose names carry {@code suffix}. */
  static List<String> modelsWithSuffix(String suffix) {
    return client.models().list().data().stream()
        .map(Model::id)
        .filter(m -> m.startsWith("ft:") && m.contains(":" + suffix + ":"))
        .toList();
  }

  static List<Long> steps(String id) {
    return new JobWatch(client).steps(id);
  }

  /** The ft: model's answer at temperature 0, checked to be the same plain and streamed. */
  static String chat(String model) {
    return chat(client, model);
  }

  /** {@link #chat(String)} through {@code client}. */
  static String chat(OpenAIClient client, String model) {
    ChatCompletionCreateParams params =
        ChatCompletionCreateParams.builder()
            .model(model)
            .addUserMessage("What does the cat say?")
            .temperature(0.0)
            .maxCompletionTokens(12)
            .build();
    String plain =
        client
            .chat()
            .completions()
            .create(params)
            .choices()
            .getFirst()
            .message()
            .content()
            .orElse("");
    String streamed;
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      streamed =
          stream.stream()
              .flatMap(c -> c.choices().stream())
              .map(c -> c.delta().content().orElse(""))
              .collect(Collectors.joining());
    }
    assertThat(streamed).as("streamed answer of %s", model).isEqualTo(plain);
    return plain;
  }

  @Test
  void aJobTrainsToAServableModelWithOpenAiEventsCheckpointsAndResultFile() throws Exception {
    FineTuningJob created = create("tinystories-656k", 3, 4, true);
    assertThat(created.status().asString()).as("%s", created.error()).isIn("queued", "running");
    FineTuningJob job = await(created.id(), j -> j.status().asString().matches("succeeded|failed"));
    assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");

    String model = job.fineTunedModel().orElseThrow();
    assertThat(model).matches("ft:tinystories-656k:proj_a:animals:[A-Za-z0-9]{8}");
    assertThat(job.finishedAt()).isPresent();
    assertThat(job.trainedTokens()).hasValueSatisfying(t -> assertThat(t).isPositive());
    assertThat(job.estimatedFinish()).isEmpty();
    FineTuningJob.Hyperparameters h = job.hyperparameters();
    assertThat(h.nEpochs().orElseThrow().integer()).contains(3L);
    assertThat(h.batchSize().orElseThrow().integer()).contains(4L);

    // 16 examples, batch 4, 3 epochs: 12 steps; epochs end at 4, 8, 12
    List<String> messages = events(job.id()).stream().map(FineTuningJobEvent::message).toList();
    assertThat(messages.subList(0, 4))
        .containsExactly(
            "Created fine-tuning job: " + job.id(),
            "Validating training file: " + trainFile + " and validation file: " + validFile,
            "Files validated, moving job to queued state",
            "Fine-tuning job started");
    assertThat(messages.subList(4, 16))
        .allMatch(m -> m.matches("Step \\d+/12: training loss=\\d+\\.\\d\\d.*"));
    assertThat(messages.get(4)).startsWith("Step 1/12: training loss=");
    assertThat(messages.get(13))
        .matches("Step 10/12: training loss=\\d+\\.\\d\\d, validation loss=\\d+\\.\\d\\d");
    assertThat(messages.get(15))
        .matches(
            "Step 12/12: training loss=\\d+\\.\\d\\d, validation loss=\\d+\\.\\d\\d, full validation loss=\\d+\\.\\d\\d");
    // Lathe's extension: with a validation file, which checkpoint the model is (here the last)
    assertThat(messages.subList(16, messages.size()))
        .hasSize(5)
        .satisfies(
            m -> {
              assertThat(m.get(0))
                  .matches(
                      "The fine-tuned model is the checkpoint at step 12, the best validation loss"
                          + " \\(\\d+\\.\\d{4}\\)");
              assertThat(m.get(1))
                  .matches(
                      "Checkpoint created at step 4 with Snapshot ID: ft:tinystories-656k:proj_a:animals:[A-Za-z0-9]{8}:ckpt-step-4");
              assertThat(m.get(2))
                  .matches("Checkpoint created at step 8 with Snapshot ID: .*:ckpt-step-8");
              assertThat(m.get(3)).isEqualTo("New fine-tuned model created: " + model);
              assertThat(m.get(4)).isEqualTo("The job has successfully completed");
            });
    assertThat(steps(job.id())).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    FineTuningJobEvent last = events(job.id()).get(15);
    JsonNode data = last._data().convert(JsonNode.class);
    assertThat((Iterable<String>) data::fieldNames)
        .contains(
            "step",
            "train_loss",
            "train_mean_token_accuracy",
            "valid_loss",
            "valid_mean_token_accuracy",
            "full_valid_loss",
            "full_valid_mean_token_accuracy",
            "total_steps");

    List<FineTuningJobCheckpoint> checkpoints =
        client.fineTuning().jobs().checkpoints().list(job.id()).data();
    assertThat(checkpoints)
        .extracting(FineTuningJobCheckpoint::stepNumber)
        .containsExactly(12L, 8L, 4L);
    assertThat(checkpoints.get(0).fineTunedModelCheckpoint()).isEqualTo(model);
    assertThat(checkpoints.get(1).fineTunedModelCheckpoint()).endsWith(":ckpt-step-8");
    assertThat(checkpoints.get(2).metrics().trainLoss()).isPresent();

    String resultId = job.resultFiles().getFirst();
    FileObject result = client.files().retrieve(resultId);
    assertThat(result.purpose()).isEqualTo(FileObject.Purpose.FINE_TUNE_RESULTS);
    assertThat(result.filename()).isEqualTo("step_metrics.csv");
    String csv;
    try (HttpResponse r = client.files().content(resultId);
        InputStream in = r.body()) {
      csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> rows = csv.lines().toList();
    assertThat(rows.getFirst())
        .isEqualTo("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
    assertThat(rows).hasSize(13);
    assertThat(rows.get(1)).matches("1,\\d+\\.\\d{5},\\d\\.\\d{5},,");
    assertThat(rows.get(10)).matches("10,\\d+\\.\\d{5},\\d\\.\\d{5},\\d+\\.\\d{5},\\d\\.\\d{5}");

    // the lineage manifest: a second fine-tune-results File, named by lathe_lineage (result_files
    // keeps OpenAI's one CSV), whose hashes are the uploaded files'
    assertThat(job.resultFiles()).hasSize(1);
    String lineageId =
        job._additionalProperties().get("lathe_lineage").asString().orElseThrow().toString();
    FileObject lineageFile = client.files().retrieve(lineageId);
    assertThat(lineageFile.purpose()).isEqualTo(FileObject.Purpose.FINE_TUNE_RESULTS);
    assertThat(lineageFile.filename()).isEqualTo("lineage.json");
    JsonNode lineage = new ObjectMapper().readTree(content(lineageId));
    assertThat(lineage.path("training_file_sha256").asText()).isEqualTo(sha256(trainFile));
    assertThat(lineage.path("validation_file_sha256").asText()).isEqualTo(sha256(validFile));
    assertThat(lineage.path("config").path("epochs").asInt()).isEqualTo(3);
    assertThat(lineage.path("base").path("weights_sha256").asText()).hasSize(64);

    List<String> models = client.models().list().data().stream().map(Model::id).toList();
    assertThat(models)
        .contains(
            model,
            checkpoints.get(1).fineTunedModelCheckpoint(),
            checkpoints.get(2).fineTunedModelCheckpoint());
    assertThat(chat(model)).as("the ft: model answers").isNotBlank();
    assertThat(chat(checkpoints.get(1).fineTunedModelCheckpoint()))
        .as("a checkpoint model answers")
        .isNotBlank();

    assertThat(client.models().delete(model).deleted()).isTrue();
    assertThat(client.models().list().data().stream().map(Model::id).toList())
        .doesNotContain(model);
  }

  @Test
  void aBaseThatCannotBeTrainedFailsTheJobWithAnErrorObject() throws Exception {
    // stories260k is a llama2.c .bin: servable, but not a Hugging Face directory to train
    FineTuningJob job =
        await(
            create("stories260k", 1, 4, false).id(),
            j -> j.status().asString().matches("succeeded|failed"));
    assertThat(job.status().asString()).isEqualTo("failed");
    FineTuningJob.Error error = job.error().orElseThrow();
    assertThat(error.code()).isEqualTo("model_not_available");
    assertThat(error.param()).contains("model");
    assertThat(error.message()).contains("stories260k").contains("llama2.c");
    assertThat(job.fineTunedModel()).isEmpty();
    assertThat(events(job.id()).getLast().level().asString()).isEqualTo("error");
  }

  @Test
  void aMalformedTrainingFileFailsTheJobNamingTheLine() {
    String bad =
        upload(
            line("dog")
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n"
                + line("cat").repeat(10));
    FineTuningJob job = createOn(bad);
    assertThat(job.status().asString()).isEqualTo("failed");
    FineTuningJob.Error error = job.error().orElseThrow();
    assertThat(error.code()).isEqualTo("invalid_training_file");
    assertThat(error.param()).contains("training_file");
    assertThat(error.message())
        .startsWith("The job failed due to an invalid training file. Line 2: ");
    assertThat(job.finishedAt()).as("validation failures keep finished_at null").isEmpty();
  }

  @Test
  void aTrainingFileWhoseAnswersTheContextCutsFailsBeforeStepOne() throws Exception {
    FineTuningJob job =
        await(
            createOn(upload(ChatFiles.questionsLongerThanTinyStoriesContext(10))).id(),
            j -> j.status().asString().matches("succeeded|failed"));
    assertThat(job.status().asString()).isEqualTo("failed");
    FineTuningJob.Error error = job.error().orElseThrow();
    assertThat(error.code()).isEqualTo("invalid_training_file");
    assertThat(error.param()).contains("training_file");
    assertThat(error.message())
        .isEqualTo(
            "The job failed due to an invalid training file. No example trains any token"
                + " (lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10). Give at least one assistant message"
                + " per example a weight above 0, or raise the context length if truncation cut"
                + " the answers.");
    assertThat(events(job.id()))
        .anySatisfy(
            e -> assertThat(e.message()).contains("10 example(s) train no token and are left out"));
    assertThat(steps(job.id())).isEmpty();
  }

  @Test
  void cancellingARunningJobStopsItWithoutAModel() throws Exception {
    FineTuningJob job = create("tinystories-656k", 50, 1, false, "cancelled");
    await(job.id(), j -> training(job.id()));
    FineTuningJob running =
        await(job.id(), j -> j.estimatedFinish().isPresent() || !is(j, "running"));
    assertThat(running.status().asString()).isEqualTo("running");
    assertThat(running.estimatedFinish()).isPresent();
    assertThat(running.hyperparameters().nEpochs().orElseThrow().integer()).contains(50L);
    assertThat(running.trainedTokens()).as("null while running, as OpenAI's").isEmpty();
    // past step 112, as a warm JIT gets before a cancel lands: the epoch checkpoints of steps 80,
    // 96 and 112 keep their models, which the pause test must not mistake for its own
    await(job.id(), j -> steps(job.id()).size() > 112);
    client.fineTuning().jobs().cancel(job.id());
    FineTuningJob done = await(job.id(), j -> is(j, "cancelled") || is(j, "succeeded"));
    assertThat(done.status().asString()).isEqualTo("cancelled");
    assertThat(done.fineTunedModel()).isEmpty();
    assertThat(done.resultFiles()).isEmpty();
    List<Long> steps = steps(job.id());
    assertThat(steps.size()).isLessThan(800);
    // the epoch checkpoints it reached keep their models (at most the last three), and only those
    List<FineTuningJobCheckpoint> kept =
        client.fineTuning().jobs().checkpoints().list(job.id()).data();
    assertThat(kept)
        .hasSize(3)
        .allSatisfy(c -> assertThat(c.stepNumber()).isGreaterThan(steps.getLast() - 16 * 3));
    assertThat(modelsWithSuffix("cancelled"))
        .containsExactlyInAnyOrderElementsOf(
            kept.stream().map(FineTuningJobCheckpoint::fineTunedModelCheckpoint).toList());
    assertThat(server.dataDir.resolve("jobs/" + job.id() + "/adapter"))
        .as("no final model was exported")
        .doesNotExist();
  }

  @Test
  void aPausedJobResumesFromWhereItStopped() throws Exception {
    FineTuningJob job = create("tinystories-656k", 30, 1, false, "paused");
    // 480 steps: a warm JIT trains ~160 steps a second, and the pause arrives with the next
    // heartbeat (up to a second later), so a shorter job could finish before it lands
    await(job.id(), j -> training(job.id()));
    client.fineTuning().jobs().pause(job.id());
    await(job.id(), j -> is(j, "paused") || is(j, "succeeded"));
    List<Long> before = steps(job.id());
    long stoppedAt = before.getLast();
    assertThat(before).hasSizeLessThan(480);
    assertThat(
            server.dataDir.resolve(
                "jobs/" + job.id() + "/checkpoints/checkpoint-step-" + stoppedAt + "/state.json"))
        .as("the pause checkpointed the step it stopped at")
        .isRegularFile();
    client.fineTuning().jobs().resume(job.id());
    FineTuningJob done =
        await(job.id(), j -> j.status().asString().matches("succeeded|failed|cancelled"));
    assertThat(done.status().asString()).as("error: %s", done.error()).isEqualTo("succeeded");
    List<Long> all = steps(job.id());
    assertThat(all).hasSize(480).doesNotHaveDuplicates();
    assertThat(all.getFirst()).isEqualTo(1L);
    assertThat(all.getLast()).isEqualTo(480L);
    JsonNode lastMetrics =
        events(job.id()).stream()
            .filter(e -> e.type().map(t -> t.asString().equals("metrics")).orElse(false))
            .reduce((x, y) -> y)
            .orElseThrow()
            ._data()
            .convert(JsonNode.class);
    assertThat(lastMetrics.path("trained_tokens").asLong())
        .as("loss tokens counted across the pause")
        .isEqualTo(done.trainedTokens().orElseThrow());
    assertThat(events(job.id()).stream().map(FineTuningJobEvent::message))
        .filteredOn("Fine-tuning job started"::equals)
        .hasSize(1);
    // 30 epochs of 16 steps: only the last three epochs' checkpoints keep a model, as at OpenAI
    List<FineTuningJobCheckpoint> kept =
        client.fineTuning().jobs().checkpoints().list(job.id()).data();
    assertThat(kept)
        .extracting(FineTuningJobCheckpoint::stepNumber)
        .containsExactly(480L, 464L, 448L);
    assertThat(kept.get(0).fineTunedModelCheckpoint())
        .isEqualTo(done.fineTunedModel().orElseThrow());
    // this job's models only: another test's cancelled job keeps its own checkpoint models
    assertThat(modelsWithSuffix("paused"))
        .containsExactlyInAnyOrder(
            done.fineTunedModel().orElseThrow(),
            kept.get(1).fineTunedModelCheckpoint(),
            kept.get(2).fineTunedModelCheckpoint());
    assertThat(server.dataDir.resolve("jobs/" + job.id() + "/checkpoints/checkpoint-step-16"))
        .doesNotExist();
    assertThat(events(job.id()).stream().map(FineTuningJobEvent::message))
        .filteredOn(m -> m.startsWith("Checkpoint created at step "))
        .hasSize(2);
  }

  private static byte[] content(String fileId) throws IOException {
    try (HttpResponse r = client.files().content(fileId);
        InputStream in = r.body()) {
      return in.readAllBytes();
    }
  }

  private static String sha256(String fileId) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content(fileId)));
  }
}
