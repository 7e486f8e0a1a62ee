package dev.lathe.transformer;

/**
 * The naive double-precision pieces the test references ({@link ReferenceLlama}, {@link
 * ReferenceGpt2} and the gradient checks' {@code DoubleLlama}, {@code DoubleGpt2}) share: written
 * once from the modeling semantics, sharing no code with the engine.
 */
public final class DoubleKernels {
  private DoubleKernels() {}

  /**
   * Causal softmax attention of query position {@code i} over positions {@code 0..i}, per head,
   * with grouped-query attention (query head {@code h} reads key/value head {@code h / (H / KVH)},
   * HF's repeat_kv). Row {@code j} of {@code keys} holds key head {@code g} at {@code kOff + g·hd};
   * likewise the query row at {@code qOff} and the values at {@code vOff} (GPT-2 reads all three
   * from one fused q|k|v row).
   *
   * @return (H·hd) the attention output of position {@code i}
   */
  public static double[] attention(
      double[] query,
      int qOff,
      double[][] keys,
      int kOff,
      double[][] values,
      int vOff,
      int i,
      int heads,
      int kvHeads,
      int hd) {
    double[] att = new double[heads * hd];
    for (int h = 0; h < heads; h++) {
      int g = h / (heads / kvHeads);
      double[] w = new double[i + 1];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j <= i; j++) {
        double dot = 0;
        for (int d = 0; d < hd; d++) {
          dot += query[qOff + h * hd + d] * keys[j][kOff + g * hd + d];
        }
        w[j] = dot / Math.sqrt(hd);
        max = Math.max(max, w[j]);
      }
      double sum = 0;
      for (int j = 0; j <= i; j++) {
        w[j] = Math.exp(w[j] - max);
        sum += w[j];
      }
      for (int j = 0; j <= i; j++) {
        for (int d = 0; d < hd; d++) {
          att[h * hd + d] += w[j] / sum * values[j][vOff + g * hd + d];
        }
      }
    }
    return att;
  }

  /**
   * RoPE's inverse frequencies {@code θ^(−2i/hd)} of a Llama-family config, with its frequency
   * scaling (Llama 3) applied.
   */
  public static double[] ropeInverseFrequencies(LlamaConfig c) {
    double[] invFreq = new double[c.headDim() / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = c.ropeScaling().scale(1 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim()));
    }
    return invFreq;
  }

  /** {@code W (out, in) · x}. */
  public static double[] matvec(double[] w, double[] x) {
    double[] y = new double[w.length / x.length];
    for (int o = 0; o < y.length; o++) {
      double s = 0;
      for (int i = 0; i < x.length; i++) {
        s += w[o * x.length + i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  /** {@code W x + b}, the bias only when there is one (null otherwise). */
  public static double[] affine(double[] w, double[] b, double[] x) {
    double[] y = matvec(w, x);
    if (b != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += b[i];
      }
    }
    return y;
  }

  /** {@code x += y}, element by element. */
  public static void addInto(double[] x, double[] y) {
    for (int d = 0; d < y.length; d++) {
      x[d] += y[d];
    }
  }

  /** GPT-2's gelu_new (tanh approximation), in place; returns {@code x}. */
  public static double[] gelu(double[] x) {
    for (int d = 0; d < x.length; d++) {
      double v = x[d];
      x[d] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
    }
    return x;
  }

  /** RMSNorm: {@code x / √(mean(x²) + eps) · w}. */
  public static double[] rmsNorm(double[] x, double[] w, double eps) {
    double ss = 0;
    for (double a : x) {
      ss += a * a;
    }
    double r = 1 / Math.sqrt(ss / x.length + eps);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * r * w[i];
    }
    return y;
  }

  /** {@code log softmax(logits)[target]}, stabilised by the maximum. */
  public static double logProb(double[] logits, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (double z : logits) {
      max = Math.max(max, z);
    }
    double sum = 0;
    for (double z : logits) {
      sum += Math.exp(z - max);
    }
    return logits[target] - max - Math.log(sum);
  }
}
