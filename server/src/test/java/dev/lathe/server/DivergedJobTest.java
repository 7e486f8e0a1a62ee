package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.models.Model;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job at 10⁴ times the LoRA rate on TinyStories-656K: its loss explodes by step 3 while staying
 * finite. The early check of the divergence guard catches it, the run goes back to the start three
 * times, each time removing the checkpoint whose weights diverged (its model and its record with
 * it), and then fails with {@code training_diverged} and what to try; nothing it refused is left
 * listed, served or on disk.
 */
class DivergedJobTest {
  @TempDir Path dataDir;

  @Test
  void anAbsurdLearningRateFailsTheJobAndLeavesNoCheckpointOfDivergedWeights() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = TrainingFiles.uploadAnimals(client);
      String id =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tinystories-656k")
                      .trainingFile(file)
                      .seed(3)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(4L)
                              .batchSize(5L)
                              .learningRateMultiplier(1e4)
                              .build())
                      .build())
              .id();
      JobWatch watch = new JobWatch(client);
      FineTuningJob job =
          watch.await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).isEqualTo("failed");
      FineTuningJob.Error error = job.error().orElseThrow();
      assertThat(error.code()).isEqualTo("training_diverged");
      assertThat(error.message())
          .contains("diverged: the training loss ")
          .contains("rose more than 4 nats above the first steps' (median ")
          .contains("after 3 rollbacks to the last good checkpoint")
          .contains("Try a lower learning_rate_multiplier");
      List<String> warnings =
          watch.events(id).stream()
              .filter(e -> e.level().asString().equals("warn"))
              .map(FineTuningJobEvent::message)
              .toList();
      assertThat(warnings).hasSize(3);
      assertThat(warnings)
          .allSatisfy(m -> assertThat(m).contains("rose more than 4 nats above the first steps'"));
      assertThat(warnings.getLast()).endsWith("(rollback 3 of 3)");
      // every checkpoint written held weights the guard then refused: none is left
      assertThat(client.fineTuning().jobs().checkpoints().list(id).data()).isEmpty();
      assertThat(client.models().list().data())
          .extracting(Model::id)
          .noneMatch(m -> m.startsWith("ft:"));
      assertThat(dataDir.resolve("jobs/" + id + "/checkpoints")).isEmptyDirectory();
    }
  }
}
