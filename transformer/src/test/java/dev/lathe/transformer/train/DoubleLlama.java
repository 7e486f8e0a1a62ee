package dev.lathe.transformer.train;

import dev.lathe.tensor.Rope;
import dev.lathe.transformer.DoubleKernels;
import dev.lathe.transformer.LlamaConfig;
import java.util.Map;

/**
 * The Llama-family example forward of a {@link DoubleReference}, written from the Hugging Face
 * modeling semantics: RMSNorm, q/k/v (biases and per-head QK-norm when present), RoPE in either
 * style, grouped-query attention, SwiGLU.
 */
final class DoubleLlama extends DoubleReference {
  private final double[] invFreq;
  private final LlamaConfig c;

  DoubleLlama(LlamaConfig c, Map<String, double[]> tensors, double loraScale) {
    super(tensors, loraScale);
    invFreq = DoubleKernels.ropeInverseFrequencies(c);
    this.c = c;
  }

  /** Σ log p(target) of one example occupying batch positions [start, start + len). */
  @Override
  double example(TokenBatch b, int start, int len) {
    int C = c.dim();
    double[][] x = new double[len][];
    for (int i = 0; i < len; i++) {
      int tok = b.tokens()[start + i];
      x[i] = slice(t.get("model.embed_tokens.weight"), tok * C, C);
    }
    for (int l = 0; l < c.layers(); l++) {
      String p = "model.layers." + l + ".";
      double[][] q = new double[len][];
      double[][] k = new double[len][];
      double[][] v = new double[len][];
      for (int i = 0; i < len; i++) {
        double[] xn = rms(x[i], t.get(p + "input_layernorm.weight"));
        q[i] = linear(p + "self_attn.q_proj", xn);
        k[i] = linear(p + "self_attn.k_proj", xn);
        v[i] = linear(p + "self_attn.v_proj", xn);
        if (c.qkNorm()) {
          q[i] = perHeadRms(q[i], t.get(p + "self_attn.q_norm.weight"));
          k[i] = perHeadRms(k[i], t.get(p + "self_attn.k_norm.weight"));
        }
        int pos = b.positions()[start + i];
        rope(q[i], pos);
        rope(k[i], pos);
      }
      for (int i = 0; i < len; i++) {
        double[] att =
            DoubleKernels.attention(q[i], 0, k, 0, v, 0, i, c.heads(), c.kvHeads(), c.headDim());
        double[] o = linear(p + "self_attn.o_proj", att);
        q[i] = o; // reuse the slot: attention output of position i (x is updated after the loop)
      }
      for (int i = 0; i < len; i++) {
        for (int d = 0; d < C; d++) {
          x[i][d] += q[i][d];
        }
        double[] xn = rms(x[i], t.get(p + "post_attention_layernorm.weight"));
        double[] g = linear(p + "mlp.gate_proj", xn);
        double[] u = linear(p + "mlp.up_proj", xn);
        for (int d = 0; d < g.length; d++) {
          g[d] = g[d] / (1 + Math.exp(-g[d])) * u[d];
        }
        double[] down = linear(p + "mlp.down_proj", g);
        for (int d = 0; d < C; d++) {
          x[i][d] += down[d];
        }
      }
    }
    double[] head =
        t.containsKey("lm_head.weight")
            ? t.get("lm_head.weight")
            : t.get("model.embed_tokens.weight");
    return headLogProbs(b, start, x, head, xi -> rms(xi, t.get("model.norm.weight")));
  }

  private double[] rms(double[] x, double[] w) {
    return DoubleKernels.rmsNorm(x, w, c.normEps());
  }

  private double[] perHeadRms(double[] x, double[] w) {
    int hd = c.headDim();
    double[] y = new double[x.length];
    for (int h = 0; h < x.length / hd; h++) {
      double[] r = rms(slice(x, h * hd, hd), w);
      System.arraycopy(r, 0, y, h * hd, hd);
    }
    return y;
  }

  private void rope(double[] x, int pos) {
    int hd = c.headDim();
    int half = hd / 2;
    for (int h = 0; h < x.length / hd; h++) {
      for (int i = 0; i < half; i++) {
        int a = h * hd + (c.ropeStyle() == Rope.Style.INTERLEAVED ? 2 * i : i);
        int bb = c.ropeStyle() == Rope.Style.INTERLEAVED ? a + 1 : a + half;
        double cos = Math.cos(pos * invFreq[i]);
        double sin = Math.sin(pos * invFreq[i]);
        double x0 = x[a];
        double x1 = x[bb];
        x[a] = x0 * cos - x1 * sin;
        x[bb] = x0 * sin + x1 * cos;
      }
    }
  }

  private static double[] slice(double[] a, int off, int n) {
    double[] s = new double[n];
    System.arraycopy(a, off, s, 0, n);
    return s;
  }
}
