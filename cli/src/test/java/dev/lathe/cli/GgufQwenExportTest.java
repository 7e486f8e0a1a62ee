package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.finetune.GgufExport;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.Generator;
import dev.lathe.inference.HubSettings;
import dev.lathe.inference.SamplingParams;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.HfCheckpointWriter;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A random Qwen3-shaped model with Qwen3's real tokenizer and ChatML template, saved as a Hugging
 * Face directory and exported to GGUF: served from the file alone it renders and tokenizes a
 * conversation to the same ids, stops on the same ids and generates the same greedy text as the
 * directory.
 */
class GgufQwenExportTest {

  @TempDir Path dir;

  @Test
  void theGgufFileChatsLikeTheDirectory() throws Exception {
    Path model = dir.resolve("qwen");
    LlamaConfig c =
        new LlamaConfig(
            32,
            64,
            2,
            4,
            2,
            16,
            151_680,
            256,
            1e-6f,
            1_000_000,
            RopeScaling.NONE,
            Rope.Style.ROTATE_HALF,
            false,
            false,
            true,
            true);
    HfCheckpointWriter.save(model, "qwen3", c, weights(c), DType.F32);
    Path tokenizer = SharedAssets.require("tokenizers/qwen3");
    for (String name : List.of("tokenizer.json.gz", "tokenizer_config.json")) {
      Files.copy(tokenizer.resolve(name), model.resolve(name));
    }
    Path gguf = dir.resolve("qwen.gguf");
    GgufExport.export(model, gguf, GgmlType.F32, Optional.empty());
    try (GgufFile g = GgufFile.open(gguf)) {
      assertThat(g.string("general.architecture")).isEqualTo("qwen3");
      assertThat(g.string("tokenizer.ggml.pre")).isEqualTo("qwen2");
      assertThat(g.array("tokenizer.ggml.tokens")).hasSize(151_680); // padded to the embedding
      assertThat(g.array("tokenizer.ggml.token_type").get(151_679)).isEqualTo(5L); // unused
    }
    assertThat(Files.readString(dir.resolve("Modelfile")))
        .contains("<|im_start|>assistant\n{{ .Response }}<|im_end|>")
        .contains("PARAMETER stop \"<|im_end|>\"");

    HubSettings hub =
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir.resolve("hub"), true);
    List<ChatMessage> chat =
        List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Wie spät ist es? 🙂 Answer in JSON: {\"time\": ...}"));
    try (ChatModel fromDir = ChatModel.open(model.toString(), Optional.empty(), hub);
        ChatModel fromFile = ChatModel.open(gguf.toString(), Optional.empty(), hub)) {
      int[] ids = fromDir.conversation(chat);
      assertThat(fromFile.conversation(chat)).containsExactly(ids);
      assertThat(fromFile.plainChat()).isFalse();
      assertThat(fromFile.stopTokenIds()).isEqualTo(fromDir.stopTokenIds());
      assertThat(fromFile.prompts().prompt("Hello there"))
          .containsExactly(fromDir.prompts().prompt("Hello there"));
      GenerationRequest request =
          GenerationRequest.of(SamplingParams.GREEDY)
              .withMaxTokens(24)
              .withStopTokenIds(fromDir.stopTokenIds());
      String a =
          new Generator(fromDir.model(), fromDir.tokenizer(), () -> 0L)
              .generate(ids, request)
              .text();
      String b =
          new Generator(fromFile.model(), fromFile.tokenizer(), () -> 0L)
              .generate(ids, request)
              .text();
      assertThat(b).isEqualTo(a).isNotEmpty();
    }
  }

  private static LlamaWeights weights(LlamaConfig c) {
    SplittableRandom r = new SplittableRandom(9);
    int C = c.dim();
    int q = c.queryDim();
    int kv = c.kvDim();
    int F = c.hiddenDim();
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new LlamaWeights.Layer<>(
              ones(C),
              random(r, q * C),
              random(r, kv * C),
              random(r, kv * C),
              random(r, C * q),
              null,
              null,
              null,
              null,
              ones(c.headDim()),
              ones(c.headDim()),
              ones(C),
              random(r, F * C),
              random(r, F * C),
              random(r, C * F)));
    }
    float[] embedding = random(r, c.vocabSize() * C);
    return new LlamaWeights(embedding, layers, ones(C), embedding);
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 2 - 1) * 0.5f;
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1f);
    return a;
  }
}
