package dev.lathe.transformer.train;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of the double-precision reference models with an analytic gradient: the forward is written
 * once over {@link Tape} nodes, one example (segment) at a time, with the named tensors as leaves;
 * the objective is {@code Σ_s scale[s] · (−Σ_t log p)}, as the engine's.
 */
abstract class TapeReference {
  /** The objective's value and its gradient with respect to every tensor it read. */
  record Result(double loss, double[] segmentLogProb, Map<String, double[]> gradients) {}

  protected final Map<String, double[]> tensors;
  protected final double loraScale;
  protected Tape tape;
  private Map<String, int[]> leaves;

  TapeReference(Map<String, double[]> tensors, double loraScale) {
    this.tensors = tensors;
    this.loraScale = loraScale;
  }

  /** Σ log p(target) of one example at batch positions [start, start + len), as a node (or -1). */
  protected abstract int example(TokenBatch b, int start, int len);

  final Result run(TokenBatch b, float[] scale) {
    tape = new Tape();
    leaves = new HashMap<>();
    int T = b.seqLen();
    int total = -1;
    double[] lp = new double[b.segmentCount()];
    for (int r = 0; r < b.rows(); r++) {
      for (int i = 0; i < T; ) {
        int seg = b.segments()[r * T + i];
        int j = i;
        while (j < T && b.segments()[r * T + j] == seg) {
          j++;
        }
        if (seg >= 0) {
          int node = example(b, r * T + i, j - i);
          if (node >= 0) {
            lp[seg] += tape.value(node);
            int term = tape.scale(node, -scale[seg]);
            total = total < 0 ? term : tape.add(total, term);
          }
        }
        i = j;
      }
    }
    double[] g = tape.gradient(total);
    Map<String, double[]> grads = new LinkedHashMap<>();
    for (var e : leaves.entrySet()) {
      double[] d = new double[e.getValue().length];
      for (int i = 0; i < d.length; i++) {
        d[i] = g[e.getValue()[i]];
      }
      grads.put(e.getKey(), d);
    }
    return new Result(tape.value(total), lp, grads);
  }

  final double loss(TokenBatch b, float[] scale) {
    return run(b, scale).loss();
  }

  /** The leaves of tensor {@code name}, or null when there is no such tensor. */
  protected final int[] w(String name) {
    double[] v = tensors.get(name);
    if (v == null) {
      return null;
    }
    return leaves.computeIfAbsent(
        name,
        n -> {
          int[] idx = new int[v.length];
          for (int i = 0; i < v.length; i++) {
            idx[i] = tape.leaf(v[i]);
          }
          return idx;
        });
  }

  /** x · Wᵀ (+ bias) (+ loraScale · B · A · x when the PEFT tensors of {@code name} exist). */
  protected final int[] linear(String name, int[] x) {
    int[] w = w(name + ".weight");
    int[] bias = w(name + ".bias");
    int in = x.length;
    int[] y = new int[w.length / in];
    for (int o = 0; o < y.length; o++) {
      y[o] = tape.dot(w, o * in, x, 0, in);
      if (bias != null) {
        y[o] = tape.add(y[o], bias[o]);
      }
    }
    int[] a = w("base_model.model." + name + ".lora_A.weight");
    if (a != null) {
      int[] bm = w("base_model.model." + name + ".lora_B.weight");
      int r = a.length / in;
      int[] xa = new int[r];
      for (int j = 0; j < r; j++) {
        xa[j] = tape.dot(a, j * in, x, 0, in);
      }
      for (int o = 0; o < y.length; o++) {
        y[o] = tape.add(y[o], tape.scale(tape.dot(bm, o * r, xa, 0, r), loraScale));
      }
    }
    return y;
  }

  /** Row {@code row} of an (n, width) tensor's leaves. */
  protected static int[] row(int[] t, int row, int width) {
    int[] r = new int[width];
    System.arraycopy(t, row * width, r, 0, width);
    return r;
  }

  /** Softmax-weighted sum: Σ_j softmax(scores)_j · values[j][d], per d. */
  protected final int[] attend(int[] scores, int[][] values, int vOff, int width) {
    double max = Double.NEGATIVE_INFINITY;
    for (int s : scores) {
      max = Math.max(max, tape.value(s));
    }
    int[] e = new int[scores.length];
    for (int j = 0; j < e.length; j++) {
      e[j] = tape.exp(tape.shift(scores[j], -max));
    }
    int inv = tape.reciprocal(tape.sum(e));
    int[] out = new int[width];
    for (int d = 0; d < width; d++) {
      int s = -1;
      for (int j = 0; j < e.length; j++) {
        int term = tape.mul(tape.mul(e[j], inv), values[j][vOff + d]);
        s = s < 0 ? term : tape.add(s, term);
      }
      out[d] = s;
    }
    return out;
  }

  /** log softmax(logits)[target]. */
  protected final int logProb(int[] logits, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (int z : logits) {
      max = Math.max(max, tape.value(z));
    }
    int[] e = new int[logits.length];
    for (int j = 0; j < e.length; j++) {
      e[j] = tape.exp(tape.shift(logits[j], -max));
    }
    int lse = tape.shift(tape.log(tape.sum(e)), max);
    return tape.add(logits[target], tape.scale(lse, -1));
  }

  protected final int[] matvec(int[] w, int[] x) {
    int[] y = new int[w.length / x.length];
    for (int o = 0; o < y.length; o++) {
      y[o] = tape.dot(w, o * x.length, x, 0, x.length);
    }
    return y;
  }

  protected final int[] add(int[] a, int[] b) {
    int[] y = new int[a.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = tape.add(a[i], b[i]);
    }
    return y;
  }
}
