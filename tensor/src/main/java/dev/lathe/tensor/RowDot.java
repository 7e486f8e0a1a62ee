package dev.lathe.tensor;

import static dev.lathe.tensor.MatVec.F;
import static dev.lathe.tensor.MatVec.H;
import static dev.lathe.tensor.MatVec.L;
import static dev.lathe.tensor.MatVec.widen;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/**
 * The dot products of {@link MatVec}'s rows with x over the first {@code kv} (a multiple of L)
 * values of k, for f32, bf16 and bf16-segment weights: one row, or two rows at once.
 *
 * <p>Each row's sum is always the same sequence of operations: four vector accumulators take the
 * L-wide chunks of k in turn (chunk c into accumulator c % 4), then are added as (a0 + a1) + (a2 +
 * a3) into {@code lanes} (a single row's at {@code lanes[to ..)}); the caller adds the masked tail
 * and reduces. A row therefore has the same bits whether it was computed alone or paired, and
 * whichever row it was paired with.
 *
 * <p>Why pairs: a row read front to back is one stream of memory. Decode is bound by how fast the
 * weights come from memory, and one stream at a time leaves the memory system idle at every 4 KB
 * page, where the hardware prefetcher stops. Two rows far apart (the two halves of a task's rows)
 * are two streams, each keeping the other's gaps busy. In a harness on 180 MB of 1536 × 576 rows
 * (2-core Xeon with AVX-512), pairs read bf16 at 13.3–13.7 GB/s per thread against 10.5–10.7 for
 * one row at a time (the machine's pure read: 13.4–14.1), and f32 at 14.9–15.3 against 13.4–13.9.
 * Adjacent rows do not help (they are one stream); rows 4 apart gave 12.0, 16 apart 12.8.
 *
 * <p>(Reducing inside these kernels once used up the JIT's inlining budget for the bf16 kernels,
 * whose last vector adds then ran, and allocated, on the Java fallback: the caller reduces.)
 */
final class RowDot {
  private RowDot() {}

  static void dot(float[] x, int xOff, float[] w, int wAt, int kv, float[] lanes, int to) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      a0 = FloatVector.fromArray(F, w, wAt + p).fma(FloatVector.fromArray(F, x, xOff + p), a0);
      a1 =
          FloatVector.fromArray(F, w, wAt + p + L)
              .fma(FloatVector.fromArray(F, x, xOff + p + L), a1);
      a2 =
          FloatVector.fromArray(F, w, wAt + p + 2 * L)
              .fma(FloatVector.fromArray(F, x, xOff + p + 2 * L), a2);
      a3 =
          FloatVector.fromArray(F, w, wAt + p + 3 * L)
              .fma(FloatVector.fromArray(F, x, xOff + p + 3 * L), a3);
    }
    if (p < kv) {
      a0 = FloatVector.fromArray(F, w, wAt + p).fma(FloatVector.fromArray(F, x, xOff + p), a0);
      p += L;
    }
    if (p < kv) {
      a1 = FloatVector.fromArray(F, w, wAt + p).fma(FloatVector.fromArray(F, x, xOff + p), a1);
      p += L;
    }
    if (p < kv) {
      a2 = FloatVector.fromArray(F, w, wAt + p).fma(FloatVector.fromArray(F, x, xOff + p), a2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, to);
  }

  /**
   * The whole groups of four chunks of rows {@code wA} and {@code wB}: their accumulators into
   * lanes [0, 4L) and [4L, 8L), or, when no chunk is left ({@code kv} a multiple of 4L, as in every
   * real model), each row's four combined into lanes [0, L) and [4L, 5L); returns where the chunks
   * left for {@link #rest2} start.
   */
  static int dot2(float[] x, int xOff, float[] w, int wA, int wB, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      a0 = FloatVector.fromArray(F, w, wA + p).fma(x0, a0);
      b0 = FloatVector.fromArray(F, w, wB + p).fma(x0, b0);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a1 = FloatVector.fromArray(F, w, wA + p + L).fma(x1, a1);
      b1 = FloatVector.fromArray(F, w, wB + p + L).fma(x1, b1);
      FloatVector x2 = FloatVector.fromArray(F, x, xOff + p + 2 * L);
      a2 = FloatVector.fromArray(F, w, wA + p + 2 * L).fma(x2, a2);
      b2 = FloatVector.fromArray(F, w, wB + p + 2 * L).fma(x2, b2);
      FloatVector x3 = FloatVector.fromArray(F, x, xOff + p + 3 * L);
      a3 = FloatVector.fromArray(F, w, wA + p + 3 * L).fma(x3, a3);
      b3 = FloatVector.fromArray(F, w, wB + p + 3 * L).fma(x3, b3);
    }
    if (p == kv) {
      a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
      b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
      return p;
    }
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, L);
    a2.intoArray(lanes, 2 * L);
    a3.intoArray(lanes, 3 * L);
    b0.intoArray(lanes, 4 * L);
    b1.intoArray(lanes, 5 * L);
    b2.intoArray(lanes, 6 * L);
    b3.intoArray(lanes, 7 * L);
    return p;
  }

  static void dot(float[] x, int xOff, short[] w, int wAt, int kv, float[] lanes, int to) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      a0 =
          widen(ShortVector.fromArray(H, w, wAt + p))
              .fma(FloatVector.fromArray(F, x, xOff + p), a0);
      a1 =
          widen(ShortVector.fromArray(H, w, wAt + p + L))
              .fma(FloatVector.fromArray(F, x, xOff + p + L), a1);
      a2 =
          widen(ShortVector.fromArray(H, w, wAt + p + 2 * L))
              .fma(FloatVector.fromArray(F, x, xOff + p + 2 * L), a2);
      a3 =
          widen(ShortVector.fromArray(H, w, wAt + p + 3 * L))
              .fma(FloatVector.fromArray(F, x, xOff + p + 3 * L), a3);
    }
    if (p < kv) {
      a0 =
          widen(ShortVector.fromArray(H, w, wAt + p))
              .fma(FloatVector.fromArray(F, x, xOff + p), a0);
      p += L;
    }
    if (p < kv) {
      a1 =
          widen(ShortVector.fromArray(H, w, wAt + p))
              .fma(FloatVector.fromArray(F, x, xOff + p), a1);
      p += L;
    }
    if (p < kv) {
      a2 =
          widen(ShortVector.fromArray(H, w, wAt + p))
              .fma(FloatVector.fromArray(F, x, xOff + p), a2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, to);
  }

  /**
   * The whole groups of four chunks of rows {@code wA} and {@code wB}: their accumulators into
   * lanes [0, 4L) and [4L, 8L), or, when no chunk is left ({@code kv} a multiple of 4L, as in every
   * real model), each row's four combined into lanes [0, L) and [4L, 5L); returns where the chunks
   * left for {@link #rest2} start.
   */
  static int dot2(float[] x, int xOff, short[] w, int wA, int wB, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      a0 = widen(ShortVector.fromArray(H, w, wA + p)).fma(x0, a0);
      b0 = widen(ShortVector.fromArray(H, w, wB + p)).fma(x0, b0);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a1 = widen(ShortVector.fromArray(H, w, wA + p + L)).fma(x1, a1);
      b1 = widen(ShortVector.fromArray(H, w, wB + p + L)).fma(x1, b1);
      FloatVector x2 = FloatVector.fromArray(F, x, xOff + p + 2 * L);
      a2 = widen(ShortVector.fromArray(H, w, wA + p + 2 * L)).fma(x2, a2);
      b2 = widen(ShortVector.fromArray(H, w, wB + p + 2 * L)).fma(x2, b2);
      FloatVector x3 = FloatVector.fromArray(F, x, xOff + p + 3 * L);
      a3 = widen(ShortVector.fromArray(H, w, wA + p + 3 * L)).fma(x3, a3);
      b3 = widen(ShortVector.fromArray(H, w, wB + p + 3 * L)).fma(x3, b3);
    }
    if (p == kv) {
      a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
      b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
      return p;
    }
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, L);
    a2.intoArray(lanes, 2 * L);
    a3.intoArray(lanes, 3 * L);
    b0.intoArray(lanes, 4 * L);
    b1.intoArray(lanes, 5 * L);
    b2.intoArray(lanes, 6 * L);
    b3.intoArray(lanes, 7 * L);
    return p;
  }

  /** bf16 weights in a segment of little-endian shorts, rows at element {@code wAt}. */
  static void dot(float[] x, int xOff, MemorySegment w, long wAt, int kv, float[] lanes, int to) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    long at = 2 * wAt;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      a0 = seg(w, at + 2L * p).fma(FloatVector.fromArray(F, x, xOff + p), a0);
      a1 = seg(w, at + 2L * (p + L)).fma(FloatVector.fromArray(F, x, xOff + p + L), a1);
      a2 = seg(w, at + 2L * (p + 2 * L)).fma(FloatVector.fromArray(F, x, xOff + p + 2 * L), a2);
      a3 = seg(w, at + 2L * (p + 3 * L)).fma(FloatVector.fromArray(F, x, xOff + p + 3 * L), a3);
    }
    if (p < kv) {
      a0 = seg(w, at + 2L * p).fma(FloatVector.fromArray(F, x, xOff + p), a0);
      p += L;
    }
    if (p < kv) {
      a1 = seg(w, at + 2L * p).fma(FloatVector.fromArray(F, x, xOff + p), a1);
      p += L;
    }
    if (p < kv) {
      a2 = seg(w, at + 2L * p).fma(FloatVector.fromArray(F, x, xOff + p), a2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, to);
  }

  /** {@link #dot2} for segment rows at elements {@code wA} and {@code wB}. */
  static int dot2(float[] x, int xOff, MemorySegment w, long wA, long wB, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
    FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    long atA = 2 * wA;
    long atB = 2 * wB;
    int p = 0;
    for (; p + 4 * L <= kv; p += 4 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      a0 = seg(w, atA + 2L * p).fma(x0, a0);
      b0 = seg(w, atB + 2L * p).fma(x0, b0);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a1 = seg(w, atA + 2L * (p + L)).fma(x1, a1);
      b1 = seg(w, atB + 2L * (p + L)).fma(x1, b1);
      FloatVector x2 = FloatVector.fromArray(F, x, xOff + p + 2 * L);
      a2 = seg(w, atA + 2L * (p + 2 * L)).fma(x2, a2);
      b2 = seg(w, atB + 2L * (p + 2 * L)).fma(x2, b2);
      FloatVector x3 = FloatVector.fromArray(F, x, xOff + p + 3 * L);
      a3 = seg(w, atA + 2L * (p + 3 * L)).fma(x3, a3);
      b3 = seg(w, atB + 2L * (p + 3 * L)).fma(x3, b3);
    }
    if (p == kv) {
      a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
      b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
      return p;
    }
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, L);
    a2.intoArray(lanes, 2 * L);
    a3.intoArray(lanes, 3 * L);
    b0.intoArray(lanes, 4 * L);
    b1.intoArray(lanes, 5 * L);
    b2.intoArray(lanes, 6 * L);
    b3.intoArray(lanes, 7 * L);
    return p;
  }

  // The chunks after dot2's last group of four (fewer than four) are added by rest2 into the two
  // rows' accumulators kept in lanes. Written into dot2, they made the bf16 kernel too large for C2
  // to inline its widening, which then ran out of line and allocated a vector per chunk. rest2
  // takes both rows so that it is too large to be inlined into MatVec's row loop, where the
  // kernels of every weight source together would again run past C2's inlining budget.

  /**
   * Adds the chunks from {@code p} to {@code kv} of rows {@code wA} and {@code wB} into their
   * accumulators at lanes [0, 4L) and [4L, 8L) (chunk c into accumulator c % 4) and combines each
   * row's four into lanes [0, L) and [4L, 5L).
   */
  static void rest2(float[] x, int xOff, float[] w, int wA, int wB, int p, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.fromArray(F, lanes, 0);
    FloatVector a1 = FloatVector.fromArray(F, lanes, L);
    FloatVector a2 = FloatVector.fromArray(F, lanes, 2 * L);
    FloatVector a3 = FloatVector.fromArray(F, lanes, 3 * L);
    FloatVector b0 = FloatVector.fromArray(F, lanes, 4 * L);
    FloatVector b1 = FloatVector.fromArray(F, lanes, 5 * L);
    FloatVector b2 = FloatVector.fromArray(F, lanes, 6 * L);
    FloatVector b3 = FloatVector.fromArray(F, lanes, 7 * L);
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a0 = FloatVector.fromArray(F, w, wA + p).fma(xp, a0);
      b0 = FloatVector.fromArray(F, w, wB + p).fma(xp, b0);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a1 = FloatVector.fromArray(F, w, wA + p).fma(xp, a1);
      b1 = FloatVector.fromArray(F, w, wB + p).fma(xp, b1);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a2 = FloatVector.fromArray(F, w, wA + p).fma(xp, a2);
      b2 = FloatVector.fromArray(F, w, wB + p).fma(xp, b2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
    b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
  }

  /** {@link #rest2} for bf16 rows. */
  static void rest2(float[] x, int xOff, short[] w, int wA, int wB, int p, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.fromArray(F, lanes, 0);
    FloatVector a1 = FloatVector.fromArray(F, lanes, L);
    FloatVector a2 = FloatVector.fromArray(F, lanes, 2 * L);
    FloatVector a3 = FloatVector.fromArray(F, lanes, 3 * L);
    FloatVector b0 = FloatVector.fromArray(F, lanes, 4 * L);
    FloatVector b1 = FloatVector.fromArray(F, lanes, 5 * L);
    FloatVector b2 = FloatVector.fromArray(F, lanes, 6 * L);
    FloatVector b3 = FloatVector.fromArray(F, lanes, 7 * L);
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a0 = widen(ShortVector.fromArray(H, w, wA + p)).fma(xp, a0);
      b0 = widen(ShortVector.fromArray(H, w, wB + p)).fma(xp, b0);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a1 = widen(ShortVector.fromArray(H, w, wA + p)).fma(xp, a1);
      b1 = widen(ShortVector.fromArray(H, w, wB + p)).fma(xp, b1);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a2 = widen(ShortVector.fromArray(H, w, wA + p)).fma(xp, a2);
      b2 = widen(ShortVector.fromArray(H, w, wB + p)).fma(xp, b2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
    b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
  }

  /** {@link #rest2} for segment rows at elements {@code wA} and {@code wB}. */
  static void rest2(
      float[] x, int xOff, MemorySegment w, long wA, long wB, int p, int kv, float[] lanes) {
    FloatVector a0 = FloatVector.fromArray(F, lanes, 0);
    FloatVector a1 = FloatVector.fromArray(F, lanes, L);
    FloatVector a2 = FloatVector.fromArray(F, lanes, 2 * L);
    FloatVector a3 = FloatVector.fromArray(F, lanes, 3 * L);
    FloatVector b0 = FloatVector.fromArray(F, lanes, 4 * L);
    FloatVector b1 = FloatVector.fromArray(F, lanes, 5 * L);
    FloatVector b2 = FloatVector.fromArray(F, lanes, 6 * L);
    FloatVector b3 = FloatVector.fromArray(F, lanes, 7 * L);
    long atA = 2 * wA;
    long atB = 2 * wB;
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a0 = seg(w, atA + 2L * p).fma(xp, a0);
      b0 = seg(w, atB + 2L * p).fma(xp, b0);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a1 = seg(w, atA + 2L * p).fma(xp, a1);
      b1 = seg(w, atB + 2L * p).fma(xp, b1);
      p += L;
    }
    if (p < kv) {
      FloatVector xp = FloatVector.fromArray(F, x, xOff + p);
      a2 = seg(w, atA + 2L * p).fma(xp, a2);
      b2 = seg(w, atB + 2L * p).fma(xp, b2);
    }
    a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
    b0.add(b1).add(b2.add(b3)).intoArray(lanes, 4 * L);
  }

  private static FloatVector seg(MemorySegment w, long byteAt) {
    return widen(ShortVector.fromMemorySegment(H, w, byteAt, ByteOrder.LITTLE_ENDIAN));
  }
}
