package dev.lathe.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps Hugging Face GPT-2 tensors ({@code transformer.h.N.…}, or without the {@code transformer.}
 * prefix as in OpenAI's original upload) to {@link Gpt2Weights}, transposing the Conv1D weights
 * from [in, out] to [out, in].
 */
final class HfGpt2Weights {
  private HfGpt2Weights() {}

  static Gpt2Weights read(WeightSource w, Gpt2Config c) {
    String root = w.has("transformer.wte.weight") ? "transformer." : "";
    long C = c.dim();
    long F = c.hiddenDim();
    List<Gpt2Weights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      String p = root + "h." + l + ".";
      layers.add(
          new Gpt2Weights.Layer<>(
              w.get(p + "ln_1.weight", C),
              w.get(p + "ln_1.bias", C),
              transpose(w.get(p + "attn.c_attn.weight", C, 3 * C), (int) C, (int) (3 * C)),
              w.get(p + "attn.c_attn.bias", 3 * C),
              transpose(w.get(p + "attn.c_proj.weight", C, C), (int) C, (int) C),
              w.get(p + "attn.c_proj.bias", C),
              w.get(p + "ln_2.weight", C),
              w.get(p + "ln_2.bias", C),
              transpose(w.get(p + "mlp.c_fc.weight", C, F), (int) C, (int) F),
              w.get(p + "mlp.c_fc.bias", F),
              transpose(w.get(p + "mlp.c_proj.weight", F, C), (int) F, (int) C),
              w.get(p + "mlp.c_proj.bias", C)));
    }
    return new Gpt2Weights(
        w.get(root + "wte.weight", c.vocabSize(), C),
        w.get(root + "wpe.weight", c.contextLength(), C),
        layers,
        w.get(root + "ln_f.weight", C),
        w.get(root + "ln_f.bias", C));
  }

  /** {@code a}: (rows, cols) → (cols, rows). */
  static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        t[k * rows + r] = a[r * cols + k];
      }
    }
    return t;
  }
}
