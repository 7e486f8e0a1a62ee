package dev.lathe.transformer.train;

import dev.lathe.tensor.Rope;
import dev.lathe.transformer.LlamaConfig;
import java.util.Map;

/**
 * An independent, naive, double-precision Llama-family forward for tests, written from the Hugging
 * Face modeling semantics, over named tensors (HF names; PEFT LoRA tensors {@code
 * base_model.model.<name>.lora_A/B.weight} are added as {@code W + scale·B·A} when present). It
 * handles one example (segment) at a time, so packing and masking are not shared with the engine.
 * Its objective {@code Σ_s scale[s] · Σ_t −log p} is what finite differences are taken of.
 */
final class DoubleLlama {
  private final LlamaConfig c;
  private final Map<String, double[]> t;
  private final double loraScale;
  private final double[] invFreq;

  DoubleLlama(LlamaConfig c, Map<String, double[]> tensors, double loraScale) {
    this.c = c;
    this.t = tensors;
    this.loraScale = loraScale;
    invFreq = new double[c.headDim() / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = c.ropeScaling().scale(1 / Math.pow(c.ropeTheta(), 2.0 * i / c.headDim()));
    }
  }

  /** Per segment: Σ log p(target) over its trained positions. */
  double[] segmentLogProbs(TokenBatch b) {
    double[] out = new double[b.segmentCount()];
    int T = b.seqLen();
    for (int r = 0; r < b.rows(); r++) {
      int i = 0;
      while (i < T) {
        int seg = b.segments()[r * T + i];
        int j = i;
        while (j < T && b.segments()[r * T + j] == seg) {
          j++;
        }
        if (seg >= 0) {
          out[seg] += example(b, r * T + i, j - i);
        }
        i = j;
      }
    }
    return out;
  }

  /** The objective Σ_s scale[s] · (−Σ log p). */
  double loss(TokenBatch b, float[] scale) {
    double[] lp = segmentLogProbs(b);
    double s = 0;
    for (int i = 0; i < lp.length; i++) {
      s -= scale[i] * lp[i];
    }
    return s;
  }

  /** Σ log p(target) of one example occupying batch positions [start, start + len). */
  private double example(TokenBatch b, int start, int len) {
    int C = c.dim();
    int hd = c.headDim();
    int H = c.heads();
    int KVH = c.kvHeads();
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
        double[] att = new double[H * hd];
        for (int h = 0; h < H; h++) {
          int g = h / (H / KVH);
          double[] w = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int d = 0; d < hd; d++) {
              s += q[i][h * hd + d] * k[j][g * hd + d];
            }
            w[j] = s / Math.sqrt(hd);
            max = Math.max(max, w[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int j = 0; j <= i; j++) {
            for (int d = 0; d < hd; d++) {
              att[h * hd + d] += w[j] / sum * v[j][g * hd + d];
            }
          }
        }
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
    double total = 0;
    for (int i = 0; i < len; i++) {
      int target = b.targets()[start + i];
      if (target < 0) {
        continue;
      }
      double[] xn = rms(x[i], t.get("model.norm.weight"));
      double[] logits = matvec(head, xn);
      double max = Double.NEGATIVE_INFINITY;
      for (double z : logits) {
        max = Math.max(max, z);
      }
      double sum = 0;
      for (double z : logits) {
        sum += Math.exp(z - max);
      }
      total += logits[target] - max - Math.log(sum);
    }
    return total;
  }

  private double[] linear(String name, double[] x) {
    double[] y = matvec(t.get(name + ".weight"), x);
    double[] bias = t.get(name + ".bias");
    if (bias != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += bias[i];
      }
    }
    double[] a = t.get("base_model.model." + name + ".lora_A.weight");
    double[] bm = t.get("base_model.model." + name + ".lora_B.weight");
    if (a != null) {
      double[] xa = matvec(a, x); // (r)
      double[] ba = matvec(bm, xa); // (out)
      for (int i = 0; i < y.length; i++) {
        y[i] += loraScale * ba[i];
      }
    }
    return y;
  }

  private double[] rms(double[] x, double[] w) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double r = 1 / Math.sqrt(ss / x.length + c.normEps());
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * r * w[i];
    }
    return y;
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

  private static double[] matvec(double[] w, double[] x) {
    double[] y = new double[w.length / x.length];
    for (int i = 0; i < y.length; i++) {
      double s = 0;
      for (int j = 0; j < x.length; j++) {
        s += w[i * x.length + j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  private static double[] slice(double[] a, int off, int n) {
    double[] s = new double[n];
    System.arraycopy(a, off, s, 0, n);
    return s;
  }
}
