package dev.lathe.bench;

import dev.lathe.transformer.DType;
import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.HfCheckpointWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A GPT-2-shaped model with random weights and a real model's tokenizer, for training from scratch:
 * 2 layers, width 128, 4 heads, MLP 512, 256 positions, the vocabulary of the tokenizer's model.
 * GPT-2's initialisation: normal(0, 0.02) matrices and embeddings, residual projections
 * 0.02/√(2·layers), LayerNorm weights 1, biases 0.
 */
final class ScratchGpt2 {
  private ScratchGpt2() {}

  private static final List<String> TOKENIZER_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "generation_config.json");

  /** Writes the model into {@code out} with the tokenizer of {@code tokenizerModel}. */
  static Path write(Path out, Path tokenizerModel, int vocabSize, long seed) throws IOException {
    Gpt2Config c = new Gpt2Config(128, 512, 2, 4, vocabSize, 256, 1e-5f);
    HfCheckpointWriter.save(out, c, weights(c, seed), DType.F32);
    for (String f : TOKENIZER_FILES) {
      Path from = tokenizerModel.resolve(f);
      if (Files.exists(from)) {
        Files.copy(from, out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return out;
  }

  private static Gpt2Weights weights(Gpt2Config c, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int C = c.dim();
    int F = c.hiddenDim();
    double residual = 0.02 / Math.sqrt(2.0 * c.layers());
    List<Gpt2Weights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new Gpt2Weights.Layer<>(
              ones(C),
              new float[C],
              normal(r, 3 * C * C, 0.02),
              new float[3 * C],
              normal(r, C * C, residual),
              new float[C],
              ones(C),
              new float[C],
              normal(r, F * C, 0.02),
              new float[F],
              normal(r, C * F, residual),
              new float[C]));
    }
    return new Gpt2Weights(
        normal(r, c.vocabSize() * C, 0.02),
        normal(r, c.contextLength() * C, 0.01),
        layers,
        ones(C),
        new float[C]);
  }

  private static float[] normal(SplittableRandom r, int n, double std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      // Box–Muller from two uniforms
      double u = 1 - r.nextDouble();
      double v = r.nextDouble();
      a[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1f);
    return a;
  }
}
