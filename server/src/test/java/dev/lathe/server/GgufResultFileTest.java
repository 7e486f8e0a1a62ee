package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.files.FileObject;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import dev.lathe.testkit.ChatFiles;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufFile;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job extension {@code "lathe": {"gguf": TYPE}}: a succeeded LoRA job also stores its
 * fine-tuned model, merged over the base, as a GGUF File named by {@code lathe_gguf}; the
 * downloaded file is a GGUF of that type with the tokenizer embedded, and Lathe serves it. A type
 * Lathe does not write is refused by name.
 */
class GgufResultFileTest {
  @TempDir Path dataDir;
  @TempDir Path downloads;

  private static JobCreateParams request(String train, Object lathe) {
    return JobCreateParams.builder()
        .model("tinystories-656k")
        .trainingFile(train)
        .seed(3)
        .hyperparameters(
            JobCreateParams.Hyperparameters.builder()
                .nEpochs(1L)
                .batchSize(5L)
                .learningRateMultiplier(10.0)
                .build())
        .putAdditionalBodyProperty("lathe", JsonValue.from(lathe))
        .build();
  }

  @Test
  void aJobAskingForGgufStoresItsMergedModelAsAGgufResultFile() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String train = TrainingFiles.upload(client, ChatFiles.noise(10, 4));

      assertThatThrownBy(
              () -> client.fineTuning().jobs().create(request(train, Map.of("gguf", "q4_k"))))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("lathe.gguf")
          .hasMessageContaining("[bf16, f16, f32, q4_0, q8_0]");

      String id = client.fineTuning().jobs().create(request(train, Map.of("gguf", "F16"))).id();
      FineTuningJob job =
          new JobWatch(client)
              .await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      String fileId = job._additionalProperties().get("lathe_gguf").asStringOrThrow();
      assertThat(job._additionalProperties().get("lathe").toString()).contains("f16");

      FileObject meta = client.files().retrieve(fileId);
      assertThat(meta.filename()).isEqualTo(id + "-f16.gguf");
      assertThat(meta.purpose().asString()).isEqualTo("fine-tune-results");
      Path gguf = downloads.resolve("model.gguf");
      try (HttpResponse content = client.files().content(fileId);
          InputStream in = content.body()) {
        Files.copy(in, gguf);
      }
      assertThat(Files.size(gguf)).isEqualTo(meta.bytes());
      // no export is left beside the run once it is stored
      assertThat(dataDir.resolve("jobs/" + id + "/export/" + id + "-f16.gguf")).doesNotExist();

      try (GgufFile file = GgufFile.open(gguf)) {
        assertThat(file.string("general.architecture")).isEqualTo("llama");
        assertThat(file.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.F16);
        assertThat(file.string("tokenizer.ggml.model")).isIn("llama", "gpt2");
      }
      try (ChatModel model =
          ChatModel.open(
              gguf.toString(),
              Optional.empty(),
              new HubSettings(
                  HubSettings.DEFAULT_ENDPOINT,
                  Optional.empty(),
                  downloads.resolve("hub"),
                  true))) {
        assertThat(model).isNotNull();
      }
    }
  }
}
