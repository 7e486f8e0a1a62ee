package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.FineTunedModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server configured for full fine-tuning ({@code lora_rank} 0): the job trains every weight, its
 * model and checkpoint models are merged Hugging Face directories, and both answer chats.
 */
class FullFineTuningJobTest {
  @TempDir Path dataDir;

  @Test
  void aFullFineTuneServesItsMergedWeights() throws Exception {
    try (TestServer server =
        new TestServer(
            dataDir,
            ServerConfig.DEFAULT_UPLOAD_LIMIT,
            1,
            TestDatabase.SQLITE,
            /* loraRank= */ 0)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      StringBuilder train = new StringBuilder();
      FineTuningJobsTest.ANIMALS.forEach(a -> train.append(FineTuningJobsTest.line(a)));
      String file =
          client
              .files()
              .create(
                  FileCreateParams.builder()
                      .file(train.toString().getBytes(StandardCharsets.UTF_8))
                      .purpose(FilePurpose.FINE_TUNE)
                      .build())
              .id();
      String id =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tinystories-656k")
                      .trainingFile(file)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(2L)
                              .batchSize(8L)
                              .build())
                      .build())
              .id();
      JobWatch watch = new JobWatch(client);
      FineTuningJob job =
          watch.await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      String model = job.fineTunedModel().orElseThrow();
      assertThat(dataDir.resolve("jobs/" + id + "/merged/config.json")).isRegularFile();
      assertThat(dataDir.resolve("jobs/" + id + "/adapter")).doesNotExist();
      List<FineTuningJobCheckpoint> checkpoints =
          client.fineTuning().jobs().checkpoints().list(id).data();
      assertThat(checkpoints)
          .extracting(FineTuningJobCheckpoint::stepNumber)
          .containsExactly(4L, 2L);
      assertThat(
              dataDir.resolve("jobs/" + id + "/checkpoints/checkpoint-step-2/merged/config.json"))
          .isRegularFile();
      assertThat(FineTuningJobsTest.chat(client, model)).isNotBlank();
      String checkpoint = checkpoints.get(1).fineTunedModelCheckpoint();
      assertThat(FineTuningJobsTest.chat(client, checkpoint)).isNotBlank();

      // continuing from the (full) checkpoint model: its merged directory is the start as it is
      String next =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model(checkpoint)
                      .trainingFile(file)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(1L)
                              .batchSize(8L)
                              .build())
                      .build())
              .id();
      FineTuningJob continued =
          watch.await(next, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(continued.status().asString())
          .as("error: %s", continued.error())
          .isEqualTo("succeeded");
      assertThat(continued.model()).isEqualTo(checkpoint);
      String second = continued.fineTunedModel().orElseThrow();
      assertThat(second).startsWith("ft:tinystories-656k:proj_a::").doesNotContain("ckpt");
      assertThat(dataDir.resolve("jobs/" + next + "/start")).doesNotExist();
      Path merged = dataDir.resolve("jobs/" + next + "/merged");
      assertThat(
              Files.mismatch(
                  merged.resolve("model.safetensors"),
                  dataDir.resolve(
                      "jobs/" + id + "/checkpoints/checkpoint-step-2/merged/model.safetensors")))
          .as("trained on from the checkpoint's weights")
          .isGreaterThanOrEqualTo(0L);
      assertThat(
              new FineTunedModels(server.database())
                  .find(second, new Caller("proj_a", false))
                  .orElseThrow()
                  .adapterDir())
          .isEqualTo(merged.toAbsolutePath().toString());
      assertThat(FineTuningJobsTest.chat(client, second)).isNotBlank();
    }
  }
}
