package dev.lathe.transformer;

import dev.lathe.tensor.MatVec;
import dev.lathe.tensor.SixteenDots;
import dev.lathe.tensor.Softmax;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One new position's attention for one query head of one sequence, on the calling thread: the head
 * scores every cached position of its key/value head (a vector dot product per position, reduced by
 * {@link MatVec#reduce}'s fixed tree; sixteen positions at a time, reduced together, where the
 * machine has sixteen lanes), takes the softmax, and sums the values weighted by it, four vectors
 * of the head at a time, each lane one FMA chain over the positions in order. The arithmetic
 * depends only on the sequence, so a row gets the same bits in any batch. The batched step ({@link
 * BatchDecoder}, one task per row and head) and {@link CausalAttention} (its heads of at least a
 * vector's length, one task per head) both attend through {@link #head}, so a sequence gets the
 * same bits on either path.
 */
final class DecodeAttention {
  private DecodeAttention() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Each thread's lanes: one dot product reduced from memory (see {@link #reduce}), or sixteen. */
  private static final ThreadLocal<float[]> LANES =
      ThreadLocal.withInitial(() -> new float[16 * L]);

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

  /**
   * scores[s0 + p] = q · keys[kv + p·hd ..] / scale for p < len: sixteen positions at a time where
   * the machine has sixteen lanes ({@link SixteenDots}, the same bits), the rest one at a time.
   */
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
    int p = 0;
    if (SixteenDots.AVAILABLE && hv > 0) {
      for (; p + 16 <= len; p += 16) {
        SixteenDots.dots(q, qh, keys, kv + p * hd, hd, hv, scores, s0 + p, lanes);
        for (int i = p; i < p + 16; i++) {
          int at = kv + i * hd;
          float s = scores[s0 + i];
          for (int d = hv; d < hd; d++) {
            s = Math.fma(q[qh + d], keys[at + d], s);
          }
          scores[s0 + i] = s / scale;
        }
      }
    }
    for (; p < len; p++) {
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
