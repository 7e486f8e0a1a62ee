package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job on TinyStories-656K with {@code n_epochs} given and the other two {@code auto}: the created
 * job shows {@code "auto"}; once it runs it shows the resolved batch size and multiplier (the given
 * epochs kept), the absolute learning rate as {@code lathe_learning_rate}, and an event saying what
 * {@code auto} resolved to and how.
 */
class AutoHyperparametersJobTest {
  @TempDir Path dataDir;

  @Test
  void theJobShowsAutoBeforeAndTheResolvedValuesOnceItRuns() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = TrainingFiles.uploadAnimals(client);
      LatheHttp http = new LatheHttp(server, TestServer.KEY_A);
      ObjectNode body = LatheHttp.JSON.createObjectNode();
      body.put("model", "tinystories-656k").put("training_file", file).put("seed", 5);
      body.putObject("hyperparameters").put("n_epochs", 1);
      LatheHttp.Reply created = http.post("/fine_tuning/jobs", body);
      assertThat(created.status()).isEqualTo(200);
      JsonNode before = created.body().get("hyperparameters");
      assertThat(before.get("batch_size").asText()).isEqualTo("auto");
      assertThat(before.get("learning_rate_multiplier").asText()).isEqualTo("auto");
      assertThat(before.get("n_epochs").asInt()).isEqualTo(1);
      assertThat(created.body().has("lathe_learning_rate")).isFalse();

      String id = created.body().get("id").asText();
      JobWatch watch = new JobWatch(client);
      FineTuningJob done = watch.await(id, j -> j.status().asString().matches("succeeded|failed"));
      assertThat(done.status().asString()).isEqualTo("succeeded");
      JsonNode job = http.get("/fine_tuning/jobs/" + id).body();
      JsonNode after = job.get("hyperparameters");
      assertThat(after.get("batch_size").asInt()).isEqualTo(1);
      assertThat(after.get("learning_rate_multiplier").asDouble()).isEqualTo(10.0);
      assertThat(after.get("n_epochs").asInt()).isEqualTo(1);
      assertThat(job.at("/method/supervised/hyperparameters")).isEqualTo(after);
      assertThat(job.get("lathe_learning_rate").asDouble()).isCloseTo(2e-3, within());
      List<String> auto =
          watch.events(id).stream()
              .map(FineTuningJobEvent::message)
              .filter(m -> m.startsWith("auto: "))
              .toList();
      assertThat(auto).hasSize(1);
      assertThat(auto.getFirst())
          .contains("batch_size=1")
          .contains("learning_rate_multiplier=10.0")
          .doesNotContain("n_epochs");
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }
}
