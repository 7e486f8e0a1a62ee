package dev.lathe.transformer;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.MatVec;
import dev.lathe.tensor.Softmax;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal multi-head attention over a key/value cache, with grouped-query attention: query head
 * {@code h} reads key/value head {@code h / (H / KVH)}.
 *
 * <p>One task is one (position, query head) pair: it owns that head's output row and computes it in
 * a fixed order, so results do not depend on the thread count, the chunk size or the other tasks.
 * (Tasks per query head, not per key/value head, keep two threads even on a model with three
 * key/value heads.) Tasks run on the {@link ComputePool} when the work is worth it; each thread
 * scores into its own slice of the scratch. Nothing is allocated per call.
 */
final class CausalAttention {
  private CausalAttention() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /** Fewest multiply-adds worth spreading over the pool. */
  private static final long PARALLEL_WORK = 1L << 15;

  /**
   * Scratch floats for a cache of {@code capacity} positions whose key/value heads each serve
   * {@code group} query heads: (threads, group, capacity). {@link #forward} scores one head at a
   * time into the first capacity of its thread's slice; the batched step ({@link
   * DecodeAttention#group}) scores a whole group.
   */
  static int scratchSize(int capacity, int group) {
    return ComputePool.common().threads() * group * capacity;
  }

  /**
   * Attends {@code t} new queries at positions {@code pos0 ..} to every cached position up to their
   * own, over layer {@code layer} of {@code cache}. Over a bf16 cache the arithmetic is that of an
   * f32 cache holding the same values: a head of at least a vector's length widens each key and
   * value as it reads it ({@link DecodeAttention#head}), a shorter one reads its key/value head's
   * positions widened first ({@link WidenedHead}).
   *
   * <pre>
   * // out: (T, H, hd)   q: (T, H, hd)
   * // cache: (KVH, capacity, hd) keys and values per layer, positions [0, pos0 + T) filled
   * // scores: scratch of scratchSize(capacity, group), each thread's slice group·capacity long
   * </pre>
   */
  static void forward(
      float[] out,
      float[] q,
      AttentionCache<?> cache,
      int layer,
      int t,
      int pos0,
      int heads,
      float[] scores) {
    int tasks = t * heads;
    long work = 2L * t * heads * (pos0 + t) * cache.headDim;
    ComputePool pool = ComputePool.common();
    Groups g = GROUPS.get();
    g.out = out;
    g.q = q;
    g.cache = cache;
    g.layer = layer;
    g.pos0 = pos0;
    g.heads = heads;
    g.scores = scores;
    try {
      if (tasks > 1 && work >= PARALLEL_WORK && pool.threads() > 1) {
        pool.parallelFor(tasks, g);
      } else {
        for (int task = 0; task < tasks; task++) {
          g.run(task, 0);
        }
      }
    } finally {
      g.out = g.q = g.scores = null;
      g.cache = null;
    }
  }

  /**
   * One call's operands and its loop body, task = (row, query head). Each thread reuses its own, so
   * a decode step allocates no task objects; the references are dropped after the call.
   */
  private static final class Groups implements ComputePool.Body {
    private float[] out;
    private float[] q;
    private AttentionCache<?> cache;
    private int layer;
    private float[] scores;
    private int pos0;
    private int heads;

    /** Query head {@code head} at row {@code i} (position pos0 + i), scoring into its slice. */
    @Override
    public void run(int task, int worker) {
      int hd = cache.headDim;
      int group = heads / cache.kvHeads;
      int i = task / heads;
      int head = task % heads;
      int g = head / group;
      int row = (i * heads + head) * hd;
      int len = pos0 + i + 1;
      int kv = g * cache.capacity * hd;
      int s0 = worker * group * cache.capacity;
      if (hd >= F.length()) {
        if (cache.keys != null) {
          float[] k = cache.keys[layer];
          float[] v = cache.values[layer];
          DecodeAttention.head(out, row, q, row, k, v, kv, hd, len, scores, s0);
        } else {
          short[] k = cache.keysBf16[layer];
          short[] v = cache.valuesBf16[layer];
          DecodeAttention.head(out, row, q, row, k, v, kv, hd, len, scores, s0);
        }
      } else if (cache.keys != null) {
        shortHead(out, q, cache.keys[layer], cache.values[layer], kv, row, hd, len, scores, s0);
      } else {
        WidenedHead w = WidenedHead.of(cache, layer, g, len);
        shortHead(out, q, w.keys, w.values, 0, row, hd, len, scores, s0);
      }
    }
  }

  private static final ThreadLocal<Groups> GROUPS = ThreadLocal.withInitial(Groups::new);

  /**
   * A head shorter than a vector, vectorised across positions: query row {@code row} over the
   * head's {@code len} keys and values from {@code kv}, scoring into {@code scores[s0 ..)}.
   */
  private static void shortHead(
      float[] out,
      float[] q,
      float[] keys,
      float[] values,
      int kv,
      int row,
      int headDim,
      int len,
      float[] scores,
      int s0) {
    float scale = (float) Math.sqrt(headDim);
    // scores[p] = q · keys[g, p] / sqrt(hd), then softmax over p < len
    int p = scoresAcross(q, row, keys, kv, headDim, len, scale, scores, s0);
    for (; p < len; p++) {
      scores[s0 + p] = dot(q, row, keys, kv + p * headDim, headDim) / scale;
    }
    Softmax.forward(scores, s0, len);
    // out row: (hd) = Σ_p scores[p] · values[g, p]
    valuesAcross(scores, s0, values, kv, headDim, len, out, row);
  }

  /** STRIDES[hd] = {0, hd, 2·hd, ..}: one lane per position, for heads shorter than a vector. */
  private static final int[][] STRIDES = strides();

  private static int[][] strides() {
    int[][] s = new int[F.length()][F.length()];
    for (int hd = 1; hd < F.length(); hd++) {
      for (int lane = 0; lane < F.length(); lane++) {
        s[hd][lane] = lane * hd;
      }
    }
    return s;
  }

  /**
   * Scores of whole vectors of positions, one lane per position: lane p is {@link #dot}'s in-order
   * sum for a short head (the same bits), over a strided load of the keys. Returns the first
   * position not done.
   */
  static int scoresAcross(
      float[] q,
      int row,
      float[] keys,
      int kv,
      int headDim,
      int len,
      float scale,
      float[] scores,
      int s0) {
    int[] stride = STRIDES[headDim];
    int p = 0;
    for (int bound = F.loopBound(len); p < bound; p += F.length()) {
      FloatVector acc = FloatVector.zero(F);
      int at = kv + p * headDim;
      for (int d = 0; d < headDim; d++) {
        acc =
            FloatVector.fromArray(F, keys, at + d, stride, 0)
                .fma(FloatVector.broadcast(F, q[row + d]), acc);
      }
      acc.div(scale).intoArray(scores, s0 + p);
    }
    return p;
  }

  /**
   * out[d] = Σ_p scores[p] · values[p, d] for a short head: per d, whole vectors of positions
   * accumulated lane-wise in one vector, reduced by {@link MatVec}'s fixed tree order, then the
   * remaining positions in order.
   */
  static void valuesAcross(
      float[] scores, int s0, float[] values, int kv, int headDim, int len, float[] out, int row) {
    int[] stride = STRIDES[headDim];
    int bound = F.loopBound(len);
    for (int d = 0; d < headDim; d++) {
      FloatVector acc = FloatVector.zero(F);
      for (int p = 0; p < bound; p += F.length()) {
        acc =
            FloatVector.fromArray(F, values, kv + p * headDim + d, stride, 0)
                .fma(FloatVector.fromArray(F, scores, s0 + p), acc);
      }
      float sum = MatVec.reduce(acc);
      for (int p = bound; p < len; p++) {
        sum = Math.fma(scores[s0 + p], values[kv + p * headDim + d], sum);
      }
      out[row + d] = sum;
    }
  }

  /** An in-order dot product of a short head (fewer values than a vector). */
  private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float sum = 0f;
    for (int j = 0; j < n; j++) {
      sum = Math.fma(a[aOff + j], b[bOff + j], sum);
    }
    return sum;
  }
}
