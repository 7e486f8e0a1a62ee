package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;
import java.util.Map;

/**
 * An independent, naive, double-precision GPT-2 forward for tests over named tensors ({@code
 * GPT2LMHeadModel} names, projections held [out, in]; PEFT LoRA tensors added as {@code W +
 * scale·B·A}), one example at a time. Its objective {@code Σ_s scale[s] · Σ_t −log p} is what
 * finite differences are taken of.
 */
final class DoubleGpt2 {
  private final Gpt2Config c;
  private final Map<String, double[]> t;
  private final double loraScale;

  DoubleGpt2(Gpt2Config c, Map<String, double[]> tensors, double loraScale) {
    this.c = c;
    this.t = tensors;
    this.loraScale = loraScale;
  }

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

  double loss(TokenBatch b, float[] scale) {
    double[] lp = segmentLogProbs(b);
    double s = 0;
    for (int i = 0; i < lp.length; i++) {
      s -= scale[i] * lp[i];
    }
    return s;
  }

  private double example(TokenBatch b, int start, int len) {
    int C = c.dim();
    int H = c.heads();
    int hd = c.headDim();
    double[] wte = t.get("transformer.wte.weight");
    double[] wpe = t.get("transformer.wpe.weight");
    double[][] x = new double[len][C];
    for (int i = 0; i < len; i++) {
      int tok = b.tokens()[start + i];
      int pos = b.positions()[start + i];
      for (int d = 0; d < C; d++) {
        x[i][d] = wte[tok * C + d] + wpe[pos * C + d];
      }
    }
    for (int l = 0; l < c.layers(); l++) {
      String p = "transformer.h." + l + ".";
      double[][] qkv = new double[len][];
      for (int i = 0; i < len; i++) {
        qkv[i] = linear(p + "attn.c_attn", ln(x[i], p + "ln_1"));
      }
      double[][] att = new double[len][C];
      for (int i = 0; i < len; i++) {
        for (int h = 0; h < H; h++) {
          double[] w = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double s = 0;
            for (int d = 0; d < hd; d++) {
              s += qkv[i][h * hd + d] * qkv[j][C + h * hd + d];
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
              att[i][h * hd + d] += w[j] / sum * qkv[j][2 * C + h * hd + d];
            }
          }
        }
      }
      for (int i = 0; i < len; i++) {
        double[] o = linear(p + "attn.c_proj", att[i]);
        for (int d = 0; d < C; d++) {
          x[i][d] += o[d];
        }
        double[] fc = linear(p + "mlp.c_fc", ln(x[i], p + "ln_2"));
        for (int d = 0; d < fc.length; d++) {
          double v = fc[d];
          fc[d] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        }
        double[] down = linear(p + "mlp.c_proj", fc);
        for (int d = 0; d < C; d++) {
          x[i][d] += down[d];
        }
      }
    }
    double total = 0;
    for (int i = 0; i < len; i++) {
      int target = b.targets()[start + i];
      if (target < 0) {
        continue;
      }
      double[] xn = ln(x[i], "transformer.ln_f");
      double[] logits = matvec(wte, xn);
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

  private double[] ln(double[] x, String name) {
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean);
    }
    double r = 1 / Math.sqrt(var / x.length + c.normEps());
    double[] w = t.get(name + ".weight");
    double[] bias = t.get(name + ".bias");
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (x[i] - mean) * r * w[i] + bias[i];
    }
    return y;
  }

  private double[] linear(String name, double[] x) {
    double[] y = matvec(t.get(name + ".weight"), x);
    double[] bias = t.get(name + ".bias");
    for (int i = 0; i < y.length; i++) {
      y[i] += bias[i];
    }
    double[] a = t.get("base_model.model." + name + ".lora_A.weight");
    if (a != null) {
      double[] ba = matvec(t.get("base_model.model." + name + ".lora_B.weight"), matvec(a, x));
      for (int i = 0; i < y.length; i++) {
        y[i] += loraScale * ba[i];
      }
    }
    return y;
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
}
