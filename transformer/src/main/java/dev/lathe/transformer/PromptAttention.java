package dev.lathe.transformer;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.Softmax;

/**
 * Causal attention of a chunk of several new positions (a prompt) over the cache, as matrix
 * products: per key/value head, the queries of its heads for a block of positions times the keys
 * (one packed GEMM), the causal softmax of each row, then the probabilities times the values
 * (another). A block of positions reads only the keys its last position sees.
 *
 * <p>A row's arithmetic depends only on its query, its position and the cache: the products compute
 * each element as one FMA chain in order whatever the rows around it ({@link Gemm#mulNTRows}), the
 * softmax covers the row's own positions, and the probabilities past them are zeros, which leave a
 * chain's sum as it is. So a prompt's attention does not depend on how it is cut into chunks or
 * blocks, nor on the thread count. Scratch is per thread and grows to the largest block seen.
 */
final class PromptAttention {
  private PromptAttention() {}

  /** Most scores held at once: a block of positions is cut to fit. */
  private static final int SCORES = 1 << 20;

  /** Most positions per block (a block's queries are packed once for all its keys). */
  private static final int BLOCK = 128;

  private static final class Scratch {
    float[] q = new float[0]; // (block, group, hd) the block's queries of one key/value head
    float[] s = new float[0]; // (block, group, keys) scores, then probabilities
    float[] o = new float[0]; // (block, group, hd)
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * Attends {@code t} new queries at positions {@code pos0 ..} to every cached position up to their
   * own, over layer {@code layer} of {@code cache}. A bf16 cache's key/value heads are read widened
   * to f32 ({@link WidenedHead}), so the arithmetic is that of an f32 cache holding the same
   * values.
   *
   * <pre>
   * // out: (T, H, hd)   q: (T, H, hd)
   * // cache: (KVH, capacity, hd) keys and values per layer, positions [0, pos0 + T) filled
   * </pre>
   */
  static void forward(
      float[] out, float[] q, AttentionCache<?> cache, int layer, int t, int pos0, int heads) {
    int kvHeads = cache.kvHeads;
    int headDim = cache.headDim;
    int capacity = cache.capacity;
    int group = heads / kvHeads;
    int qd = heads * headDim;
    float scale = (float) Math.sqrt(headDim);
    int block = Math.max(1, Math.min(Math.min(t, BLOCK), SCORES / (group * (pos0 + t))));
    Scratch s = SCRATCH.get();
    int rows = block * group;
    if (s.q.length < rows * headDim) {
      s.q = new float[rows * headDim];
      s.o = new float[rows * headDim];
    }
    if (s.s.length < rows * (pos0 + t)) {
      s.s = new float[rows * (pos0 + t)];
    }
    ComputePool pool = ComputePool.common();
    for (int g = 0; g < kvHeads; g++) {
      float[] k = cache.keys != null ? cache.keys[layer] : null;
      float[] v = cache.values != null ? cache.values[layer] : null;
      int kv = g * capacity * headDim;
      if (k == null) {
        WidenedHead w = WidenedHead.of(cache, layer, g, pos0 + t);
        k = w.keys;
        v = w.values;
        kv = 0;
      }
      for (int i0 = 0; i0 < t; i0 += block) {
        int n = Math.min(block, t - i0);
        int seen = pos0 + i0 + n; // keys the block's last position sees
        int m = n * group;
        for (int i = 0; i < n; i++) {
          System.arraycopy(
              q, (i0 + i) * qd + g * group * headDim, s.q, i * group * headDim, group * headDim);
        }
        // scores (m, seen) = queries · keys[g]ᵀ / sqrt(hd), softmax over each row's own positions
        Gemm.mulNTRows(pool, s.q, 0, k, kv, s.s, 0, m, seen, headDim);
        for (int r = 0; r < m; r++) {
          int len = pos0 + i0 + r / group + 1;
          int at = r * seen;
          for (int p = 0; p < len; p++) {
            s.s[at + p] /= scale;
          }
          Softmax.forward(s.s, at, len);
          java.util.Arrays.fill(s.s, at + len, at + seen, 0f);
        }
        // out rows (m, hd) = probabilities · values[g]
        Gemm.mulNNRows(pool, s.s, 0, v, kv, s.o, 0, m, headDim, seen);
        for (int i = 0; i < n; i++) {
          System.arraycopy(
              s.o, i * group * headDim, out, (i0 + i) * qd + g * group * headDim, group * headDim);
        }
      }
    }
  }
}
