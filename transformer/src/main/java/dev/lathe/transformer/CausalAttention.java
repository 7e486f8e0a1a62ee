package dev.lathe.transformer;

import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.Softmax;

/**
 * Causal multi-head attention over a key/value cache, with grouped-query attention: query head
 * {@code h} reads key/value head {@code h / (H / KVH)}.
 */
final class CausalAttention {
  private CausalAttention() {}

  /**
   * Attends {@code t} new queries at positions {@code pos0 ..} to every cached position up to their
   * own.
   *
   * <pre>
   * // out: (T, H, hd)   q: (T, H, hd)
   * // keys, values: (KVH, capacity, hd), positions [0, pos0 + T) filled
   * // scores: scratch of at least (H/KVH) * (pos0 + T)
   * </pre>
   */
  static void forward(
      float[] out,
      float[] q,
      float[] keys,
      float[] values,
      int t,
      int pos0,
      int heads,
      int kvHeads,
      int headDim,
      int capacity,
      float[] scores) {
    int group = heads / kvHeads;
    float scale = (float) Math.sqrt(headDim);
    for (int i = 0; i < t; i++) {
      int len = pos0 + i + 1;
      for (int g = 0; g < kvHeads; g++) {
        int row = (i * heads + g * group) * headDim;
        int kv = g * capacity * headDim;
        // scores: (group, len) = q rows of this group · keys[g, 0..len)ᵀ
        Gemm.mulNT(q, row, keys, kv, scores, 0, group, len, headDim, false);
        for (int h = 0; h < group; h++) {
          int s = h * len;
          for (int p = 0; p < len; p++) {
            scores[s + p] /= scale;
          }
          Softmax.forward(scores, s, len);
        }
        // out rows: (group, hd) = scores · values[g, 0..len)
        Gemm.mulNN(scores, 0, values, kv, out, row, group, headDim, len, false);
      }
    }
  }
}
