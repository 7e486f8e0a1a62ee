package dev.lathe.transformer.train;

import dev.lathe.tensor.Rope;
import dev.lathe.transformer.DoubleKernels;
import dev.lathe.transformer.LlamaConfig;
import java.util.Map;

/**
 * Double-precision Llama-family reference (Llama-3 RoPE scaling, GQA, Qwen2 biases, Qwen3 QK-norm,
 * tied or untied head, LoRA) with an analytic gradient by reverse-mode differentiation, written
 * from the Hugging Face modeling semantics and sharing no code with the engine.
 */
final class TapeLlama extends TapeReference {
  private final LlamaConfig c;
  private final double[] invFreq;

  TapeLlama(LlamaConfig c, Map<String, double[]> tensors, double loraScale) {
    super(tensors, loraScale);
    this.c = c;
    invFreq = DoubleKernels.ropeInverseFrequencies(c);
  }

  @Override
  protected int example(TokenBatch b, int start, int len) {
    int C = c.dim();
    int hd = c.headDim();
    int H = c.heads();
    int group = H / c.kvHeads();
    int[][] x = new int[len][];
    for (int i = 0; i < len; i++) {
      x[i] = row(w("model.embed_tokens.weight"), b.tokens()[start + i], C);
    }
    for (int l = 0; l < c.layers(); l++) {
      String p = "model.layers." + l + ".";
      int[][] q = new int[len][];
      int[][] k = new int[len][];
      int[][] v = new int[len][];
      for (int i = 0; i < len; i++) {
        int[] xn = rms(x[i], w(p + "input_layernorm.weight"));
        q[i] = linear(p + "self_attn.q_proj", xn);
        k[i] = linear(p + "self_attn.k_proj", xn);
        v[i] = linear(p + "self_attn.v_proj", xn);
        if (c.qkNorm()) {
          q[i] = perHead(q[i], w(p + "self_attn.q_norm.weight"));
          k[i] = perHead(k[i], w(p + "self_attn.k_norm.weight"));
        }
        int pos = b.positions()[start + i];
        q[i] = rope(q[i], pos);
        k[i] = rope(k[i], pos);
      }
      int[][] next = new int[len][];
      for (int i = 0; i < len; i++) {
        int[] att = new int[H * hd];
        for (int h = 0; h < H; h++) {
          int g = h / group;
          int[] scores = new int[i + 1];
          for (int j = 0; j <= i; j++) {
            scores[j] = tape.scale(tape.dot(q[i], h * hd, k[j], g * hd, hd), 1 / Math.sqrt(hd));
          }
          System.arraycopy(attend(scores, v, g * hd, hd), 0, att, h * hd, hd);
        }
        int[] mid = add(x[i], linear(p + "self_attn.o_proj", att));
        int[] xn = rms(mid, w(p + "post_attention_layernorm.weight"));
        int[] gate = linear(p + "mlp.gate_proj", xn);
        int[] up = linear(p + "mlp.up_proj", xn);
        int[] h = new int[gate.length];
        for (int d = 0; d < h.length; d++) {
          int sigmoid = tape.reciprocal(tape.shift(tape.exp(tape.scale(gate[d], -1)), 1));
          h[d] = tape.mul(tape.mul(gate[d], sigmoid), up[d]);
        }
        next[i] = add(mid, linear(p + "mlp.down_proj", h));
      }
      x = next;
    }
    int[] head = w("lm_head.weight");
    if (head == null) {
      head = w("model.embed_tokens.weight");
    }
    int total = -1;
    for (int i = 0; i < len; i++) {
      int target = b.targets()[start + i];
      if (target >= 0) {
        int lp = logProb(matvec(head, rms(x[i], w("model.norm.weight"))), target);
        total = total < 0 ? lp : tape.add(total, lp);
      }
    }
    return total;
  }

  private int[] rms(int[] x, int[] w) {
    int ms = tape.scale(tape.dot(x, 0, x, 0, x.length), 1.0 / x.length);
    int r = tape.rsqrt(tape.shift(ms, c.normEps()));
    int[] y = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = tape.mul(tape.mul(x[i], r), w[i]);
    }
    return y;
  }

  private int[] perHead(int[] x, int[] w) {
    int hd = c.headDim();
    int[] y = new int[x.length];
    for (int h = 0; h < x.length / hd; h++) {
      System.arraycopy(rms(row(x, h, hd), w), 0, y, h * hd, hd);
    }
    return y;
  }

  private int[] rope(int[] x, int pos) {
    int hd = c.headDim();
    int half = hd / 2;
    int[] y = x.clone();
    for (int h = 0; h < x.length / hd; h++) {
      for (int i = 0; i < half; i++) {
        boolean interleaved = c.ropeStyle() == Rope.Style.INTERLEAVED;
        int a = h * hd + (interleaved ? 2 * i : i);
        int bb = interleaved ? a + 1 : a + half;
        double cos = Math.cos(pos * invFreq[i]);
        double sin = Math.sin(pos * invFreq[i]);
        y[a] = tape.add(tape.scale(x[a], cos), tape.scale(x[bb], -sin));
        y[bb] = tape.add(tape.scale(x[a], sin), tape.scale(x[bb], cos));
      }
    }
    return y;
  }
}
