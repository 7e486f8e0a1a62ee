package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import dev.lathe.testkit.ChatFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Early stopping through the API ({@code "lathe": {"early_stopping_patience": 2}}): a job trained
 * on noise with a validation file of stories stops early, says so in its events, names its best
 * step on the job object ({@code lathe_best_step}), keeps that checkpoint, and serves its weights
 * as the fine-tuned model; bad options are refused by name.
 */
class EarlyStoppingJobTest {
  @TempDir Path dataDir;

  static JobCreateParams.Builder request(String train, String valid, Object lathe) {
    return JobCreateParams.builder()
        .model("tinystories-656k")
        .trainingFile(train)
        .validationFile(valid)
        .seed(5)
        .hyperparameters(
            JobCreateParams.Hyperparameters.builder()
                .nEpochs(10L)
                .batchSize(5L)
                .learningRateMultiplier(50.0)
                .build())
        .putAdditionalBodyProperty("lathe", JsonValue.from(lathe));
  }

  @Test
  void aJobWhoseValidationLossTurnsUpStopsEarlyAndServesTheBestCheckpoint() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String train = TrainingFiles.upload(client, ChatFiles.noise(10, 3));
      String valid = TrainingFiles.upload(client, ChatFiles.STORIES);

      assertThatThrownBy(
              () ->
                  client
                      .fineTuning()
                      .jobs()
                      .create(request(train, valid, Map.of("early_stopping_patience", -1)).build()))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("lathe.early_stopping_patience")
          .hasMessageContaining("between 0 and 100");
      assertThatThrownBy(
              () ->
                  client
                      .fineTuning()
                      .jobs()
                      .create(request(train, valid, Map.of("patience", 2)).build()))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("Unrecognized field 'lathe.patience'");

      String id =
          client
              .fineTuning()
              .jobs()
              .create(request(train, valid, Map.of("early_stopping_patience", 2)).build())
              .id();
      JobWatch watch = new JobWatch(client);
      FineTuningJob job =
          watch.await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      long best =
          ((Number) job._additionalProperties().get("lathe_best_step").asNumber().orElseThrow())
              .longValue();
      assertThat(best).isPositive();
      assertThat(watch.events(id))
          .extracting(FineTuningJobEvent::message)
          .anySatisfy(
              m ->
                  assertThat(m)
                      .startsWith("Validation loss did not improve for 2 epochs (best ")
                      .endsWith(" at step " + best + "); stopping early"))
          .anySatisfy(
              m ->
                  assertThat(m)
                      .startsWith("The fine-tuned model is the checkpoint at step " + best + ","));
      // stopped two epochs (of two steps) after the best, before the ten planned epochs
      assertThat(client.fineTuning().jobs().checkpoints().list(id).data())
          .extracting(FineTuningJobCheckpoint::stepNumber)
          .containsExactly(best + 4, best + 2, best);
      // the fine-tuned model is served from the run's adapter: the best checkpoint's weights
      Path run = dataDir.resolve("jobs/" + id);
      assertThat(Files.readAllBytes(run.resolve("adapter/adapter_model.safetensors")))
          .isEqualTo(
              Files.readAllBytes(
                  run.resolve(
                      "checkpoints/checkpoint-step-"
                          + best
                          + "/adapter/adapter_model.safetensors")));
      assertThat(FineTuningJobsTest.chat(client, job.fineTunedModel().orElseThrow())).isNotNull();
    }
  }

  @Test
  void aJobThatGivesNoPatienceTakesTheServersDefault() throws Exception {
    try (TestServer server =
        TestServer.withJobDefaults(dataDir, 1, new ServerConfig.JobDefaults(2))) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String train = TrainingFiles.upload(client, ChatFiles.noise(10, 3));
      String valid = TrainingFiles.upload(client, ChatFiles.STORIES);
      JobCreateParams.Builder none = request(train, valid, Map.of());
      String id = client.fineTuning().jobs().create(none.build()).id();
      JobWatch watch = new JobWatch(client);
      FineTuningJob job =
          watch.await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      assertThat(watch.events(id))
          .extracting(FineTuningJobEvent::message)
          .anySatisfy(m -> assertThat(m).endsWith("; stopping early"));
      // the job's own 0 overrides the server's 2: all ten epochs
      String all =
          client
              .fineTuning()
              .jobs()
              .create(request(train, valid, Map.of("early_stopping_patience", 0)).build())
              .id();
      FineTuningJob full =
          watch.await(all, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(full.status().asString()).isEqualTo("succeeded");
      assertThat(watch.events(all))
          .extracting(FineTuningJobEvent::message)
          .noneSatisfy(m -> assertThat(m).endsWith("; stopping early"))
          .anySatisfy(m -> assertThat(m).startsWith("Step 20/20: training loss="));
    }
  }
}
