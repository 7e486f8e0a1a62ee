package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A finished run's lineage.json: its hashes are those of the files, its config the options'. */
class LineageTest {

  @Test
  void aFinishedRunWritesALineageManifestWhoseHashesMatchTheFiles(@TempDir Path dir)
      throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      t.append(
          "{\"messages\":[{\"role\":\"user\",\"content\":\"Say yes "
              + i
              + "\"},{\"role\":\"assistant\",\"content\":\"Yes, I will.\"}]}\n");
    }
    Path train = Files.writeString(dir.resolve("train.jsonl"), t);
    Path valid =
        Files.writeString(
            dir.resolve("valid.jsonl"),
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Say no\"},"
                + "{\"role\":\"assistant\",\"content\":\"No.\"}]}\n");
    FineTuneJob job =
        new FineTuneJob(
            model,
            train,
            valid,
            dir.resolve("out"),
            FineTuneOptions.defaults()
                .withEpochs(1)
                .withBatchSize(5)
                .withLearningRateMultiplier(2.0)
                .withLoraRank(4)
                .withSeed(41)
                .withContextLength(64)
                .withMicroBatchTokens(256)
                .withEvalEvery(100));
    job.run(new TrainingListener() {}, () -> false);

    Path file = job.layout().lineage();
    assertThat(file).isRegularFile();
    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.path("training_file_sha256").asText())
        .isEqualTo(sha256(Files.readAllBytes(train)));
    assertThat(json.path("validation_file_sha256").asText())
        .isEqualTo(sha256(Files.readAllBytes(valid)));

    JsonNode base = json.path("base");
    assertThat(base.path("source").asText()).isEqualTo(model.toAbsolutePath().toString());
    assertThat(base.path("weight_files").toString()).isEqualTo("[\"model.safetensors\"]");
    assertThat(base.path("weights_sha256").asText())
        .isEqualTo(sha256(Files.readAllBytes(model.resolve("model.safetensors"))));
    assertThat(base.path("tokenizer_sha256").asText())
        .isEqualTo(sha256(Files.readAllBytes(model.resolve("tokenizer.json"))));
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      ChatTemplate template = ChatTemplate.orPlain(tokenizer);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      bytes.writeBytes(template.source().getBytes(StandardCharsets.UTF_8));
      bytes.write(0);
      bytes.writeBytes(
          new ObjectMapper().writeValueAsBytes(new TreeMap<>(tokenizer.specialTokensMap())));
      assertThat(base.path("template_name").asText()).isEqualTo(template.name());
      assertThat(base.path("template_sha256").asText()).isEqualTo(sha256(bytes.toByteArray()));
    }

    JsonNode config = json.path("config");
    assertThat(config.path("method").asText()).isEqualTo("supervised");
    assertThat(config.path("epochs").asInt()).isEqualTo(1);
    assertThat(config.path("batch_size").asInt()).isEqualTo(5);
    assertThat(config.path("learning_rate_multiplier").asDouble()).isEqualTo(2.0);
    assertThat(config.path("lora_rank").asInt()).isEqualTo(4);
    assertThat(config.path("context_length").asInt()).isEqualTo(64);
    assertThat(config.path("micro_batch_tokens").asInt()).isEqualTo(256);
    assertThat(config.path("resumed").asBoolean()).isFalse();
    assertThat(json.path("seed").asLong()).isEqualTo(41);

    JsonNode software = json.path("software");
    assertThat(software.path("lathe_version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(software.path("jdk_version").asText()).isEqualTo(Runtime.version().toString());
    assertThat(software.path("jdk_vendor").asText()).isNotBlank();
    JsonNode machine = json.path("machine");
    assertThat(machine.path("cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(machine.path("vector_bits").asInt()).isPositive();
    assertThat(machine.path("steps").asInt()).isEqualTo(2);
    assertThat(machine.path("trained_tokens").asLong()).isPositive();
    assertThat(machine.path("peak_heap_bytes").asLong()).isPositive();
    assertThat(Lineage.read(file).seed()).isEqualTo(41);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
