package dev.lathe.transformer.train;

import dev.lathe.transformer.DoubleKernels;
import dev.lathe.transformer.Gpt2Config;
import java.util.Map;

/**
 * GPT-2's example forward of a {@link DoubleReference} over {@code GPT2LMHeadModel} names
 * (projections held [out, in]): learned positions, LayerNorm, fused q|k|v attention, GELU MLP, the
 * head tied to {@code wte}.
 */
final class DoubleGpt2 extends DoubleReference {
  private final Gpt2Config c;

  DoubleGpt2(Gpt2Config c, Map<String, double[]> tensors, double loraScale) {
    super(tensors, loraScale);
    this.c = c;
  }

  @Override
  double example(TokenBatch b, int start, int len) {
    int C = c.dim();
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
      double[][] att = new double[len][];
      for (int i = 0; i < len; i++) {
        att[i] =
            DoubleKernels.attention(
                qkv[i], 0, qkv, C, qkv, 2 * C, i, c.heads(), c.heads(), c.headDim());
      }
      for (int i = 0; i < len; i++) {
        DoubleKernels.addInto(x[i], linear(p + "attn.c_proj", att[i]));
        double[] fc = DoubleKernels.gelu(linear(p + "mlp.c_fc", ln(x[i], p + "ln_2")));
        DoubleKernels.addInto(x[i], linear(p + "mlp.c_proj", fc));
      }
    }
    return headLogProbs(b, start, x, wte, xi -> ln(xi, "transformer.ln_f"));
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
}
