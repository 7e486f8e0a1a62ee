package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.training.JobTrainingListener;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real job's metrics events carry Lathe's {@code tokens_per_second} (from the second step on) and
 * a cumulative {@code trained_tokens} that ends at the job's {@code trained_tokens}; the finished
 * job records its measured throughput for estimates.
 */
class MetricsExtensionsTest {
  @TempDir Path dataDir;

  /** Starts a 6-step LoRA job on TinyStories-656K: 12 chat examples, 2 epochs of batches of 4. */
  static FineTuningJob startSmallJob(OpenAIClient client) {
    StringBuilder train = new StringBuilder();
    FineTuningJobsTest.ANIMALS
        .subList(0, 12)
        .forEach(a -> train.append(FineTuningJobsTest.line(a)));
    String file =
        FileValidationReportTest.upload(
            client, train.toString(), com.openai.models.files.FilePurpose.FINE_TUNE);
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(file)
                .hyperparameters(
                    JobCreateParams.Hyperparameters.builder().nEpochs(2).batchSize(4).build())
                .build());
  }

  @Test
  void metricsEventsCarryThroughputAndCumulativeTrainedTokens() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      FineTuningJob job = startSmallJob(client);
      JobWatch watch = new JobWatch(client);
      FineTuningJob done = watch.await(job.id(), j -> j.status().asString().equals("succeeded"));

      List<JsonNode> metrics =
          watch.events(job.id()).stream()
              .filter(e -> e.type().map(t -> t.asString().equals("metrics")).orElse(false))
              .map(FineTuningJobEvent::_data)
              .map(d -> d.convert(JsonNode.class))
              .toList();
      assertThat(metrics).hasSize(6);
      assertThat(metrics.get(0).has("tokens_per_second")).isFalse();
      long previous = 0;
      for (JsonNode m : metrics) {
        long trained = m.path("trained_tokens").asLong();
        assertThat(trained).as("step %s", m.path("step")).isGreaterThan(previous);
        previous = trained;
        if (m.path("step").asInt() > 1) {
          assertThat(m.path("tokens_per_second").asDouble()).isPositive();
        }
      }
      assertThat(previous).isEqualTo(done.trainedTokens().orElseThrow());
      JsonNode measured =
          new JobProgress(server.database(), LatheHttp.JSON)
              .get(job.id())
              .path(JobTrainingListener.THROUGHPUT);
      assertThat(measured.path("base").asText()).isEqualTo("tinystories-656k");
      assertThat(measured.path("lora").asBoolean()).isTrue();
      assertThat(measured.path("method").asText()).isEqualTo("supervised");
      assertThat(measured.path("tokens_per_second").asDouble()).isPositive();
      assertThat(measured.path("steps").asInt()).isEqualTo(5);
    }
  }
}
