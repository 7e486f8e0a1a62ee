package dev.lathe.server;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.HfCheckpointWriter;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * A Qwen3-shaped model small enough to build in a test: one layer of width 32 with random weights,
 * over the real Qwen3 tokenizer and chat template from ../shared (151,669 ids, ChatML, Hermes-style
 * {@code <tool_call>} tools). It writes nothing sensible on its own; what it shows is a real
 * template's tool rendering and a constrained reply read back through it.
 */
final class TinyQwen {
  private TinyQwen() {}

  /** Writes the model directory under {@code dir} and returns it. */
  static Path write(Path dir) throws IOException {
    Path tokenizers = SharedAssets.require("tokenizers/qwen3");
    Path model = Files.createDirectories(dir.resolve("tiny-qwen3"));
    try (InputStream in =
        new GZIPInputStream(Files.newInputStream(tokenizers.resolve("tokenizer.json.gz")))) {
      Files.copy(in, model.resolve("tokenizer.json"));
    }
    Files.copy(tokenizers.resolve("tokenizer_config.json"), model.resolve("tokenizer_config.json"));
    LlamaConfig c =
        new LlamaConfig(
            32,
            48,
            1,
            2,
            1,
            16,
            151_669,
            2048,
            1e-6f,
            1_000_000,
            RopeScaling.NONE,
            Rope.Style.ROTATE_HALF,
            false,
            false,
            true,
            true);
    HfCheckpointWriter.save(model, "qwen3", c, weights(c, new SplittableRandom(3)), DType.F32);
    return model;
  }

  private static LlamaWeights weights(LlamaConfig c, SplittableRandom r) {
    int C = c.dim();
    int F = c.hiddenDim();
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new LlamaWeights.Layer<>(
              ones(C),
              random(r, c.queryDim() * C),
              random(r, c.kvDim() * C),
              random(r, c.kvDim() * C),
              random(r, C * c.queryDim()),
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
    return new LlamaWeights(embedding, layers, ones(C), embedding); // tied, as small Qwen3s are
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 0.6 - 0.3);
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1f);
    return a;
  }
}
