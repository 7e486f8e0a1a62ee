package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;
import java.util.Map;

/**
 * Double-precision GPT-2 reference (learned positions, LayerNorm, tanh GELU, fused c_attn, tied
 * head, LoRA) with an analytic gradient by reverse-mode differentiation, sharing no code with the
 * engine. Projections are held [out, in] under {@code GPT2LMHeadModel} names.
 */
final class TapeGpt2 extends TapeReference {
  private final Gpt2Config c;

  TapeGpt2(Gpt2Config c, Map<String, double[]> tensors, double loraScale) {
    super(tensors, loraScale);
    this.c = c;
  }

  @Override
  protected int example(TokenBatch b, int start, int len) {
    int C = c.dim();
    int H = c.heads();
    int hd = c.headDim();
    int[][] x = new int[len][];
    for (int i = 0; i < len; i++) {
      x[i] =
          add(
              row(w("transformer.wte.weight"), b.tokens()[start + i], C),
              row(w("transformer.wpe.weight"), b.positions()[start + i], C));
    }
    for (int l = 0; l < c.layers(); l++) {
      String p = "transformer.h." + l + ".";
      int[][] qkv = new int[len][];
      for (int i = 0; i < len; i++) {
        qkv[i] = linear(p + "attn.c_attn", ln(x[i], p + "ln_1"));
      }
      int[][] next = new int[len][];
      for (int i = 0; i < len; i++) {
        int[] att = new int[C];
        for (int h = 0; h < H; h++) {
          int[] scores = new int[i + 1];
          for (int j = 0; j <= i; j++) {
            scores[j] =
                tape.scale(tape.dot(qkv[i], h * hd, qkv[j], C + h * hd, hd), 1 / Math.sqrt(hd));
          }
          System.arraycopy(attend(scores, qkv, 2 * C + h * hd, hd), 0, att, h * hd, hd);
        }
        int[] mid = add(x[i], linear(p + "attn.c_proj", att));
        int[] fc = linear(p + "mlp.c_fc", ln(mid, p + "ln_2"));
        for (int d = 0; d < fc.length; d++) {
          int v = fc[d];
          int cube = tape.mul(tape.mul(v, v), v);
          int u = tape.scale(tape.add(v, tape.scale(cube, 0.044715)), Math.sqrt(2 / Math.PI));
          fc[d] = tape.mul(tape.scale(v, 0.5), tape.shift(tape.tanh(u), 1));
        }
        next[i] = add(mid, linear(p + "mlp.c_proj", fc));
      }
      x = next;
    }
    int total = -1;
    for (int i = 0; i < len; i++) {
      int target = b.targets()[start + i];
      if (target >= 0) {
        int[] logits = matvec(w("transformer.wte.weight"), ln(x[i], "transformer.ln_f"));
        int lp = logProb(logits, target);
        total = total < 0 ? lp : tape.add(total, lp);
      }
    }
    return total;
  }

  private int[] ln(int[] x, String name) {
    int n = x.length;
    int mean = tape.scale(tape.sum(x), 1.0 / n);
    int[] d = new int[n];
    for (int i = 0; i < n; i++) {
      d[i] = tape.add(x[i], tape.scale(mean, -1));
    }
    int var = tape.scale(tape.dot(d, 0, d, 0, n), 1.0 / n);
    int r = tape.rsqrt(tape.shift(var, c.normEps()));
    int[] w = w(name + ".weight");
    int[] bias = w(name + ".bias");
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = tape.add(tape.mul(tape.mul(d[i], r), w[i]), bias[i]);
    }
    return y;
  }
}
