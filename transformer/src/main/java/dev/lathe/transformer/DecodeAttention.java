package dev.lathe.transformer;

import dev.lathe.tensor.MatVec;
import dev.lathe.tensor.Softmax;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One new position's attention for one sequence of a batched decode step, on the calling thread:
 * each query head scores every cached position of its key/value head (a vector dot product per
 * position, reduced by {@link MatVec#reduce}'s fixed tree), takes the softmax, and sums the values
 * weighted by it, four vectors of the head at a time, each lane one FMA chain over the positions in
 * order. The arithmetic depends only on the sequence, so a row gets the same bits in any batch.
 * {@link CausalAttention} runs its heads of at least a vector's length through {@link #head} too
 * (one task per head on the pool), so the single-stream path computes attention the same way.
 */
final class DecodeAttention {
  private DecodeAttention() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Each thread's lanes of one dot product, reduced from memory (see {@link #reduce}). */
  private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

  /**
   * {@code out[h] = softmax(q[h] · keys[g]ᵀ / √hd) · values[g]} over positions {@code [0, len)} for
   * every query head h, g = h / (heads / kvHeads) its key/value head.
   *
   * <pre>
   * // out: (H, hd) at outOff   q: (H, hd) at qOff   keys, values: (KVH, capacity, hd)
   * // scores: at least len floats of scratch
   * </pre>
   */
  static void forward(
      float[] out,
      int outOff,
      float[] q,
      int qOff,
      float[] keys,
      float[] values,
      int len,
      int heads,
      int kvHeads,
      int headDim,
      int capacity,
      float[] scores) {
    int group = heads / kvHeads;
    for (int h = 0; h < heads; h++) {
      int kv = (h / group) * capacity * headDim;
      head(
          out,
          outOff + h * headDim,
          q,
          qOff + h * headDim,
          keys,
          values,
          kv,
          headDim,
          len,
          scores,
          0);
    }
  }

  /**
   * One query head: {@code out[o ..] = softmax(q[qh ..] · keys[kv ..]ᵀ / √hd) · values[kv ..]} over
   * positions {@code [0, len)}, scoring into {@code scores[s0 ..)}. {@link CausalAttention} runs
   * its decode heads through here too, so a sequence gets these bits on either path.
   */
  static void head(
      float[] out,
      int o,
      float[] q,
      int qh,
      float[] keys,
      float[] values,
      int kv,
      int hd,
      int len,
      float[] scores,
      int s0) {
    scores(q, qh, keys, kv, hd, len, (float) Math.sqrt(hd), scores, s0, LANES.get());
    Softmax.forward(scores, s0, len);
    values(scores, s0, values, kv, hd, len, out, o);
  }

  /** scores[s0 + p] = q · keys[kv + p·hd ..] / scale for p < len. */
  private static void scores(
      float[] q,
      int qh,
      float[] keys,
      int kv,
      int hd,
      int len,
      float scale,
      float[] scores,
      int s0,
      float[] lanes) {
    int hv = hd - hd % L;
    for (int p = 0; p < len; p++) {
      int at = kv + p * hd;
      float s = 0f;
      if (hv > 0) {
        FloatVector acc = FloatVector.zero(F);
        for (int d = 0; d < hv; d += L) {
          acc =
              FloatVector.fromArray(F, q, qh + d).fma(FloatVector.fromArray(F, keys, at + d), acc);
        }
        acc.intoArray(lanes, 0);
        s = reduce(lanes);
      }
      for (int d = hv; d < hd; d++) {
        s = Math.fma(q[qh + d], keys[at + d], s);
      }
      scores[s0 + p] = s / scale;
    }
  }

  /**
   * The lanes reduced by {@link MatVec#reduce}'s tree: the vector is made here, not passed in, so
   * that no vector crosses a call the JIT may leave un-inlined (it would be allocated).
   */
  private static float reduce(float[] lanes) {
    return MatVec.reduce(lanes, 0);
  }

  /** out[d] = Σ_p scores[s0 + p] · values[kv + p·hd + d], in order of p, for d < hd. */
  private static void values(
      float[] scores, int s0, float[] values, int kv, int hd, int len, float[] out, int o) {
    int hv = hd - hd % L;
    int d = 0;
    for (; d + 4 * L <= hv; d += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
      for (int p = 0; p < len; p++) {
        FloatVector s = FloatVector.broadcast(F, scores[s0 + p]);
        int at = kv + p * hd + d;
        a0 = FloatVector.fromArray(F, values, at).fma(s, a0);
        a1 = FloatVector.fromArray(F, values, at + L).fma(s, a1);
        a2 = FloatVector.fromArray(F, values, at + 2 * L).fma(s, a2);
        a3 = FloatVector.fromArray(F, values, at + 3 * L).fma(s, a3);
      }
      a0.intoArray(out, o + d);
      a1.intoArray(out, o + d + L);
      a2.intoArray(out, o + d + 2 * L);
      a3.intoArray(out, o + d + 3 * L);
    }
    for (; d < hv; d += L) {
      FloatVector a = FloatVector.zero(F);
      for (int p = 0; p < len; p++) {
        a =
            FloatVector.fromArray(F, values, kv + p * hd + d)
                .fma(FloatVector.broadcast(F, scores[s0 + p]), a);
      }
      a.intoArray(out, o + d);
    }
    for (; d < hd; d++) {
      float sum = 0f;
      for (int p = 0; p < len; p++) {
        sum = Math.fma(scores[s0 + p], values[kv + p * hd + d], sum);
      }
      out[o + d] = sum;
    }
  }
}
