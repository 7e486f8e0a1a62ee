package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;
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
 * depends only on the sequence, so a row gets the same bits in any batch. {@link #group} computes
 * the query heads of one key/value head together, each with the bits {@link #head} gives it. The
 * batched step ({@link BatchDecoder}, one task per row and key/value head, through {@link #group})
 * and {@link CausalAttention} (its heads of at least a vector's length, one task per query head,
 * through {@link #head}) so give a sequence the same bits on either path.
 *
 * <p>Keys and values come as f32 or bf16 (a bf16 {@link AttentionCache}). bf16 ones are widened
 * exactly as they are read, each block of sixteen keys once for the whole group, so over bf16 each
 * head gets the bits it gets over the same values in f32.
 */
final class DecodeAttention {
  private DecodeAttention() {}

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();

  /** Each thread's lanes: one dot product reduced from memory (see {@link #reduce}), or sixteen. */
  private static final ThreadLocal<float[]> LANES =
      ThreadLocal.withInitial(() -> new float[16 * L]);

  /** Each thread's sixteen keys of a bf16 cache, widened (grown to the widest head seen). */
  private static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[0]);

  /**
   * One query head: {@code out[o ..] = softmax(q[qh ..] · keys[kv ..]ᵀ / √hd) · values[kv ..]} over
   * positions {@code [0, len)}, scoring into {@code scores[s0 ..)}: a {@link #group} of one. {@link
   * CausalAttention} runs its decode heads through here, so a sequence gets these bits on either
   * path.
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
    group(out, o, q, qh, keys, values, kv, hd, len, 1, scores, s0, 0);
  }

  /** {@link #head} over a bf16 cache: a {@link #group} of one. */
  static void head(
      float[] out,
      int o,
      float[] q,
      int qh,
      short[] keys,
      short[] values,
      int kv,
      int hd,
      int len,
      float[] scores,
      int s0) {
    group(out, o, q, qh, keys, values, kv, hd, len, 1, scores, s0, 0);
  }

  /**
   * {@code heads} consecutive query heads that share one key/value head (grouped-query attention),
   * each as {@link #head} computes it, with the same bits: head j's query at {@code q[qh + j·hd
   * ..]}, its output at {@code out[o + j·hd ..]}, its scores at {@code scores[s0 + j·stride ..)}.
   * Each block of sixteen cached keys is scored for every head while it is in L1, and the values
   * are summed for three heads at a time, each value vector read once for the three. One head at a
   * time read the head's keys and values from L2 or memory once per head.
   */
  static void group(
      float[] out,
      int o,
      float[] q,
      int qh,
      float[] keys,
      float[] values,
      int kv,
      int hd,
      int len,
      int heads,
      float[] scores,
      int s0,
      int stride) {
    attend(out, o, q, qh, keys, values, null, null, kv, hd, len, heads, scores, s0, stride);
  }

  /**
   * {@link #group} over a bf16 cache: each block of sixteen keys is widened once, into L1, for all
   * the group's heads, and each value vector in registers as it is read; the widening is exact, so
   * the arithmetic, and each head's bits, are those of {@link #group} over the same values in f32.
   */
  static void group(
      float[] out,
      int o,
      float[] q,
      int qh,
      short[] keys,
      short[] values,
      int kv,
      int hd,
      int len,
      int heads,
      float[] scores,
      int s0,
      int stride) {
    attend(out, o, q, qh, null, null, keys, values, kv, hd, len, heads, scores, s0, stride);
  }

  /** {@link #group} over f32 ({@code kf}, {@code vf}) or bf16 ({@code kh}, {@code vh}) keys. */
  private static void attend(
      float[] out,
      int o,
      float[] q,
      int qh,
      float[] kf,
      float[] vf,
      short[] kh,
      short[] vh,
      int kv,
      int hd,
      int len,
      int heads,
      float[] scores,
      int s0,
      int stride) {
    float scale = (float) Math.sqrt(hd);
    float[] lanes = LANES.get();
    // blocks of sixteen positions, each scored for every head of the group while in L1; bf16 keys
    // are widened once per block into this thread's buffer (at = -p·hd puts position p at its
    // start) and scored as f32 keys are
    float[] keys = kf;
    float[] block = kh == null ? null : BLOCK.get();
    if (block != null && block.length < 16 * hd) {
      block = new float[16 * hd];
      BLOCK.set(block);
    }
    for (int p = 0; p < len; p += 16) {
      int n = Math.min(16, len - p);
      int at = kv;
      if (kh != null) {
        Bf16.toFloat(kh, kv + p * hd, block, 0, n * hd);
        keys = block;
        at = -p * hd;
      }
      for (int j = 0; j < heads; j++) {
        int sj = s0 + j * stride;
        if (n == 16 && SixteenDots.AVAILABLE && hd >= L) {
          sixteen(q, qh + j * hd, keys, at, hd, p, scale, scores, sj, lanes);
        } else {
          oneByOne(q, qh + j * hd, keys, at, hd, p, p + n, scale, scores, sj, lanes);
        }
      }
    }
    for (int j = 0; j < heads; j++) {
      Softmax.forward(scores, s0 + j * stride, len);
    }
    int hv = hd - hd % L;
    int wide = hv - hv % (4 * L); // dimensions summed in blocks of four vectors
    int j = 0;
    for (; j + 3 <= heads; j += 3) {
      for (int d = 0; d < wide; d += 4 * L) {
        int at = o + j * hd + d;
        if (vh == null) {
          values3(scores, s0 + j * stride, stride, vf, kv + d, hd, len, out, at);
        } else {
          values3(scores, s0 + j * stride, stride, vh, kv + d, hd, len, out, at);
        }
      }
      for (int h = j; h < j + 3; h++) {
        if (vh == null) {
          values(scores, s0 + h * stride, vf, kv, hd, len, out, o + h * hd, wide);
        } else {
          values(scores, s0 + h * stride, vh, kv, hd, len, out, o + h * hd, wide);
        }
      }
    }
    for (; j < heads; j++) {
      if (vh == null) {
        values(scores, s0 + j * stride, vf, kv, hd, len, out, o + j * hd, 0);
      } else {
        values(scores, s0 + j * stride, vh, kv, hd, len, out, o + j * hd, 0);
      }
    }
  }

  /**
   * scores[s0 + i] = q · keys[kv + i·hd ..] / scale for positions i in [p, p+16), the sixteen dot
   * products reduced together ({@link SixteenDots}, the bits of each reduced alone); only when the
   * machine has sixteen lanes.
   */
  private static void sixteen(
      float[] q,
      int qh,
      float[] keys,
      int kv,
      int hd,
      int p,
      float scale,
      float[] scores,
      int s0,
      float[] lanes) {
    int hv = hd - hd % L;
    SixteenDots.dots(q, qh, keys, kv + p * hd, hd, hv, scores, s0 + p, lanes);
    if (hv == hd) {
      // a division per lane rounds as the scalar one does
      FloatVector.fromArray(F, scores, s0 + p).div(scale).intoArray(scores, s0 + p);
      return;
    }
    for (int i = p; i < p + 16; i++) {
      int at = kv + i * hd;
      float s = scores[s0 + i];
      for (int d = hv; d < hd; d++) {
        s = Math.fma(q[qh + d], keys[at + d], s);
      }
      scores[s0 + i] = s / scale;
    }
  }

  /** As {@link #sixteen} for positions [from, len), one at a time. */
  private static void oneByOne(
      float[] q,
      int qh,
      float[] keys,
      int kv,
      int hd,
      int from,
      int len,
      float scale,
      float[] scores,
      int s0,
      float[] lanes) {
    int hv = hd - hd % L;
    for (int p = from; p < len; p++) {
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

  /**
   * out[o + d] = Σ_p scores[s0 + p] · values[kv + p·hd + d], in order of p, for {@code from <= d <
   * hd}; from a multiple of 4·L.
   */
  private static void values(
      float[] scores,
      int s0,
      float[] values,
      int kv,
      int hd,
      int len,
      float[] out,
      int o,
      int from) {
    int hv = hd - hd % L;
    int d = from;
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

  /**
   * Four vectors of three heads' outputs at once: out[o + h·hd + d] = Σ_p scores[s0 + h·stride + p]
   * · values[at + p·hd + d] for h < 3 and d < 4·L, each lane one FMA chain over p in order, as in
   * {@link #values}; each value vector is read once for the three heads.
   */
  private static void values3(
      float[] scores,
      int s0,
      int stride,
      float[] values,
      int at,
      int hd,
      int len,
      float[] out,
      int o) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    for (int p = 0; p < len; p++) {
      int v = at + p * hd;
      FloatVector v0 = FloatVector.fromArray(F, values, v);
      FloatVector v1 = FloatVector.fromArray(F, values, v + L);
      FloatVector v2 = FloatVector.fromArray(F, values, v + 2 * L);
      FloatVector v3 = FloatVector.fromArray(F, values, v + 3 * L);
      FloatVector s = FloatVector.broadcast(F, scores[s0 + p]);
      a0 = v0.fma(s, a0);
      a1 = v1.fma(s, a1);
      a2 = v2.fma(s, a2);
      a3 = v3.fma(s, a3);
      s = FloatVector.broadcast(F, scores[s0 + stride + p]);
      b0 = v0.fma(s, b0);
      b1 = v1.fma(s, b1);
      b2 = v2.fma(s, b2);
      b3 = v3.fma(s, b3);
      s = FloatVector.broadcast(F, scores[s0 + 2 * stride + p]);
      c0 = v0.fma(s, c0);
      c1 = v1.fma(s, c1);
      c2 = v2.fma(s, c2);
      c3 = v3.fma(s, c3);
    }
    a0.intoArray(out, o);
    a1.intoArray(out, o + L);
    a2.intoArray(out, o + 2 * L);
    a3.intoArray(out, o + 3 * L);
    b0.intoArray(out, o + hd);
    b1.intoArray(out, o + hd + L);
    b2.intoArray(out, o + hd + 2 * L);
    b3.intoArray(out, o + hd + 3 * L);
    c0.intoArray(out, o + 2 * hd);
    c1.intoArray(out, o + 2 * hd + L);
    c2.intoArray(out, o + 2 * hd + 2 * L);
    c3.intoArray(out, o + 2 * hd + 3 * L);
  }

  // The bf16 twins of the value kernels above: the same loops, each value widened as it is read
  // (exact), so each sum is the same FMA chain over the same values.

  private static void values(
      float[] scores,
      int s0,
      short[] values,
      int kv,
      int hd,
      int len,
      float[] out,
      int o,
      int from) {
    int hv = hd - hd % L;
    int d = from;
    for (; d + 4 * L <= hv; d += 4 * L) {
      FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
      for (int p = 0; p < len; p++) {
        FloatVector s = FloatVector.broadcast(F, scores[s0 + p]);
        int at = kv + p * hd + d;
        a0 = MatVec.widen(values, at).fma(s, a0);
        a1 = MatVec.widen(values, at + L).fma(s, a1);
        a2 = MatVec.widen(values, at + 2 * L).fma(s, a2);
        a3 = MatVec.widen(values, at + 3 * L).fma(s, a3);
      }
      a0.intoArray(out, o + d);
      a1.intoArray(out, o + d + L);
      a2.intoArray(out, o + d + 2 * L);
      a3.intoArray(out, o + d + 3 * L);
    }
    for (; d < hv; d += L) {
      FloatVector a = FloatVector.zero(F);
      for (int p = 0; p < len; p++) {
        a = MatVec.widen(values, kv + p * hd + d).fma(FloatVector.broadcast(F, scores[s0 + p]), a);
      }
      a.intoArray(out, o + d);
    }
    for (; d < hd; d++) {
      float sum = 0f;
      for (int p = 0; p < len; p++) {
        sum = Math.fma(scores[s0 + p], Bf16.toFloat(values[kv + p * hd + d]), sum);
      }
      out[o + d] = sum;
    }
  }

  private static void values3(
      float[] scores,
      int s0,
      int stride,
      short[] values,
      int at,
      int hd,
      int len,
      float[] out,
      int o) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0;
    for (int p = 0; p < len; p++) {
      int v = at + p * hd;
      FloatVector v0 = MatVec.widen(values, v);
      FloatVector v1 = MatVec.widen(values, v + L);
      FloatVector v2 = MatVec.widen(values, v + 2 * L);
      FloatVector v3 = MatVec.widen(values, v + 3 * L);
      FloatVector s = FloatVector.broadcast(F, scores[s0 + p]);
      a0 = v0.fma(s, a0);
      a1 = v1.fma(s, a1);
      a2 = v2.fma(s, a2);
      a3 = v3.fma(s, a3);
      s = FloatVector.broadcast(F, scores[s0 + stride + p]);
      b0 = v0.fma(s, b0);
      b1 = v1.fma(s, b1);
      b2 = v2.fma(s, b2);
      b3 = v3.fma(s, b3);
      s = FloatVector.broadcast(F, scores[s0 + 2 * stride + p]);
      c0 = v0.fma(s, c0);
      c1 = v1.fma(s, c1);
      c2 = v2.fma(s, c2);
      c3 = v3.fma(s, c3);
    }
    a0.intoArray(out, o);
    a1.intoArray(out, o + L);
    a2.intoArray(out, o + 2 * L);
    a3.intoArray(out, o + 3 * L);
    b0.intoArray(out, o + hd);
    b1.intoArray(out, o + hd + L);
    b2.intoArray(out, o + hd + 2 * L);
    b3.intoArray(out, o + hd + 3 * L);
    c0.intoArray(out, o + 2 * hd);
    c1.intoArray(out, o + 2 * hd + L);
    c2.intoArray(out, o + 2 * hd + 2 * L);
    c3.intoArray(out, o + 2 * hd + 3 * L);
  }
}
