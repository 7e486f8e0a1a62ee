package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/**
 * The register tiles of {@link BatchMatVec}: four weight rows (at {@code wo0} to {@code wo3}, each
 * its own memory stream, see {@link BatchMatVec}) against four or one input rows, and one output
 * alone, with the weights in f32, in bf16 on the heap, or in bf16 in a memory segment (a mapped
 * checkpoint). The three weight sources have separate kernels, not one over a heap or mapped
 * segment: a call site that sees both kinds of segment runs the loads at half the speed.
 */
final class BatchTiles {
  private BatchTiles() {}

  private static final int L = MatVec.L;
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  // The tiles leave one unreduced accumulator per output in sums (output (i, q) of the tile at
  // (i * 4 + q) * L), reduced by the caller with the fixed tree; reducing here would spend the
  // JIT's inlining budget, and a vector passed to a call left un-inlined is allocated. Every
  // accumulator is one FMA chain over k in order, whichever tile ran it: the single-row kernels
  // below do the same arithmetic for one output.

  /**
   * Floats of a four-row tile's unreduced sums in {@code sums}; the float after them is the sink of
   * the reads of coming weight rows (kept there so that the JIT does not drop them).
   */
  static final int SUMS = 16 * L;

  /** Four input rows against four weight rows, W f32. */
  static void tile4(
      float[] x,
      int xo,
      float[] w,
      int wo0,
      int wo1,
      int wo2,
      int wo3,
      int k,
      int kv,
      float[] sums) {
    FloatVector a00 = FloatVector.zero(MatVec.F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int p = 0; p < kv; p += L) {
      FloatVector w0 = FloatVector.fromArray(MatVec.F, w, wo0 + p);
      FloatVector w1 = FloatVector.fromArray(MatVec.F, w, wo1 + p);
      FloatVector w2 = FloatVector.fromArray(MatVec.F, w, wo2 + p);
      FloatVector w3 = FloatVector.fromArray(MatVec.F, w, wo3 + p);
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a00 = w0.fma(xv, a00);
      a01 = w1.fma(xv, a01);
      a02 = w2.fma(xv, a02);
      a03 = w3.fma(xv, a03);
      xv = FloatVector.fromArray(MatVec.F, x, xo + k + p);
      a10 = w0.fma(xv, a10);
      a11 = w1.fma(xv, a11);
      a12 = w2.fma(xv, a12);
      a13 = w3.fma(xv, a13);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 2 * k + p);
      a20 = w0.fma(xv, a20);
      a21 = w1.fma(xv, a21);
      a22 = w2.fma(xv, a22);
      a23 = w3.fma(xv, a23);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 3 * k + p);
      a30 = w0.fma(xv, a30);
      a31 = w1.fma(xv, a31);
      a32 = w2.fma(xv, a32);
      a33 = w3.fma(xv, a33);
    }
    a00.intoArray(sums, 0);
    a01.intoArray(sums, L);
    a02.intoArray(sums, 2 * L);
    a03.intoArray(sums, 3 * L);
    a10.intoArray(sums, 4 * L);
    a11.intoArray(sums, 5 * L);
    a12.intoArray(sums, 6 * L);
    a13.intoArray(sums, 7 * L);
    a20.intoArray(sums, 8 * L);
    a21.intoArray(sums, 9 * L);
    a22.intoArray(sums, 10 * L);
    a23.intoArray(sums, 11 * L);
    a30.intoArray(sums, 12 * L);
    a31.intoArray(sums, 13 * L);
    a32.intoArray(sums, 14 * L);
    a33.intoArray(sums, 15 * L);
  }

  /** As {@link #tile4} for f32, reading the next tile's rows as it goes (see the bf16 twin). */
  static void tile4Ahead(
      float[] x,
      int xo,
      float[] w,
      int wo0,
      int wo1,
      int wo2,
      int wo3,
      int k,
      int kv,
      float[] sums,
      int n0,
      int n1,
      int n2,
      int n3) {
    int seen = 0;
    FloatVector a00 = FloatVector.zero(MatVec.F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int p = 0; p < kv; p += L) {
      seen +=
          Float.floatToRawIntBits(w[n0 + p])
              + Float.floatToRawIntBits(w[n1 + p])
              + Float.floatToRawIntBits(w[n2 + p])
              + Float.floatToRawIntBits(w[n3 + p]);
      FloatVector w0 = FloatVector.fromArray(MatVec.F, w, wo0 + p);
      FloatVector w1 = FloatVector.fromArray(MatVec.F, w, wo1 + p);
      FloatVector w2 = FloatVector.fromArray(MatVec.F, w, wo2 + p);
      FloatVector w3 = FloatVector.fromArray(MatVec.F, w, wo3 + p);
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a00 = w0.fma(xv, a00);
      a01 = w1.fma(xv, a01);
      a02 = w2.fma(xv, a02);
      a03 = w3.fma(xv, a03);
      xv = FloatVector.fromArray(MatVec.F, x, xo + k + p);
      a10 = w0.fma(xv, a10);
      a11 = w1.fma(xv, a11);
      a12 = w2.fma(xv, a12);
      a13 = w3.fma(xv, a13);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 2 * k + p);
      a20 = w0.fma(xv, a20);
      a21 = w1.fma(xv, a21);
      a22 = w2.fma(xv, a22);
      a23 = w3.fma(xv, a23);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 3 * k + p);
      a30 = w0.fma(xv, a30);
      a31 = w1.fma(xv, a31);
      a32 = w2.fma(xv, a32);
      a33 = w3.fma(xv, a33);
    }
    a00.intoArray(sums, 0);
    a01.intoArray(sums, L);
    a02.intoArray(sums, 2 * L);
    a03.intoArray(sums, 3 * L);
    a10.intoArray(sums, 4 * L);
    a11.intoArray(sums, 5 * L);
    a12.intoArray(sums, 6 * L);
    a13.intoArray(sums, 7 * L);
    a20.intoArray(sums, 8 * L);
    a21.intoArray(sums, 9 * L);
    a22.intoArray(sums, 10 * L);
    a23.intoArray(sums, 11 * L);
    a30.intoArray(sums, 12 * L);
    a31.intoArray(sums, 13 * L);
    a32.intoArray(sums, 14 * L);
    a33.intoArray(sums, 15 * L);
    sums[SUMS] += seen;
  }

  /** Four input rows against four weight rows, W bf16 (each weight vector widened once). */
  static void tile4(
      float[] x,
      int xo,
      short[] w,
      int wo0,
      int wo1,
      int wo2,
      int wo3,
      int k,
      int kv,
      float[] sums) {
    FloatVector a00 = FloatVector.zero(MatVec.F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int p = 0; p < kv; p += L) {
      FloatVector w0 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo0 + p));
      FloatVector w1 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo1 + p));
      FloatVector w2 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo2 + p));
      FloatVector w3 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo3 + p));
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a00 = w0.fma(xv, a00);
      a01 = w1.fma(xv, a01);
      a02 = w2.fma(xv, a02);
      a03 = w3.fma(xv, a03);
      xv = FloatVector.fromArray(MatVec.F, x, xo + k + p);
      a10 = w0.fma(xv, a10);
      a11 = w1.fma(xv, a11);
      a12 = w2.fma(xv, a12);
      a13 = w3.fma(xv, a13);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 2 * k + p);
      a20 = w0.fma(xv, a20);
      a21 = w1.fma(xv, a21);
      a22 = w2.fma(xv, a22);
      a23 = w3.fma(xv, a23);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 3 * k + p);
      a30 = w0.fma(xv, a30);
      a31 = w1.fma(xv, a31);
      a32 = w2.fma(xv, a32);
      a33 = w3.fma(xv, a33);
    }
    a00.intoArray(sums, 0);
    a01.intoArray(sums, L);
    a02.intoArray(sums, 2 * L);
    a03.intoArray(sums, 3 * L);
    a10.intoArray(sums, 4 * L);
    a11.intoArray(sums, 5 * L);
    a12.intoArray(sums, 6 * L);
    a13.intoArray(sums, 7 * L);
    a20.intoArray(sums, 8 * L);
    a21.intoArray(sums, 9 * L);
    a22.intoArray(sums, 10 * L);
    a23.intoArray(sums, 11 * L);
    a30.intoArray(sums, 12 * L);
    a31.intoArray(sums, 13 * L);
    a32.intoArray(sums, 14 * L);
    a33.intoArray(sums, 15 * L);
  }

  /**
   * As {@link #tile4} for bf16, also reading one value per step of each of the next tile's rows
   * ({@code n0} to {@code n3}), so that their lines come from memory while this tile computes. One
   * scalar load per row per step, among the tile's arithmetic, waits less than the same loads
   * issued together before the tile (the JVM has no prefetch instruction). Their sum is added to
   * {@code sums[SUMS]}, so that the JIT keeps them.
   */
  static void tile4Ahead(
      float[] x,
      int xo,
      short[] w,
      int wo0,
      int wo1,
      int wo2,
      int wo3,
      int k,
      int kv,
      float[] sums,
      int n0,
      int n1,
      int n2,
      int n3) {
    int seen = 0;
    FloatVector a00 = FloatVector.zero(MatVec.F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int p = 0; p < kv; p += L) {
      seen += w[n0 + p] + w[n1 + p] + w[n2 + p] + w[n3 + p];
      FloatVector w0 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo0 + p));
      FloatVector w1 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo1 + p));
      FloatVector w2 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo2 + p));
      FloatVector w3 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo3 + p));
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a00 = w0.fma(xv, a00);
      a01 = w1.fma(xv, a01);
      a02 = w2.fma(xv, a02);
      a03 = w3.fma(xv, a03);
      xv = FloatVector.fromArray(MatVec.F, x, xo + k + p);
      a10 = w0.fma(xv, a10);
      a11 = w1.fma(xv, a11);
      a12 = w2.fma(xv, a12);
      a13 = w3.fma(xv, a13);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 2 * k + p);
      a20 = w0.fma(xv, a20);
      a21 = w1.fma(xv, a21);
      a22 = w2.fma(xv, a22);
      a23 = w3.fma(xv, a23);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 3 * k + p);
      a30 = w0.fma(xv, a30);
      a31 = w1.fma(xv, a31);
      a32 = w2.fma(xv, a32);
      a33 = w3.fma(xv, a33);
    }
    a00.intoArray(sums, 0);
    a01.intoArray(sums, L);
    a02.intoArray(sums, 2 * L);
    a03.intoArray(sums, 3 * L);
    a10.intoArray(sums, 4 * L);
    a11.intoArray(sums, 5 * L);
    a12.intoArray(sums, 6 * L);
    a13.intoArray(sums, 7 * L);
    a20.intoArray(sums, 8 * L);
    a21.intoArray(sums, 9 * L);
    a22.intoArray(sums, 10 * L);
    a23.intoArray(sums, 11 * L);
    a30.intoArray(sums, 12 * L);
    a31.intoArray(sums, 13 * L);
    a32.intoArray(sums, 14 * L);
    a33.intoArray(sums, 15 * L);
    sums[SUMS] += seen;
  }

  /**
   * Four input rows against four weight rows, W bf16 in a segment (little-endian, as mapped from a
   * file).
   */
  static void tile4(
      float[] x,
      int xo,
      MemorySegment w,
      long wo0,
      long wo1,
      long wo2,
      long wo3,
      int k,
      int kv,
      float[] sums) {
    FloatVector a00 = FloatVector.zero(MatVec.F), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int p = 0; p < kv; p += L) {
      FloatVector w0 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo0 + p), LE));
      FloatVector w1 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo1 + p), LE));
      FloatVector w2 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo2 + p), LE));
      FloatVector w3 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo3 + p), LE));
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a00 = w0.fma(xv, a00);
      a01 = w1.fma(xv, a01);
      a02 = w2.fma(xv, a02);
      a03 = w3.fma(xv, a03);
      xv = FloatVector.fromArray(MatVec.F, x, xo + k + p);
      a10 = w0.fma(xv, a10);
      a11 = w1.fma(xv, a11);
      a12 = w2.fma(xv, a12);
      a13 = w3.fma(xv, a13);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 2 * k + p);
      a20 = w0.fma(xv, a20);
      a21 = w1.fma(xv, a21);
      a22 = w2.fma(xv, a22);
      a23 = w3.fma(xv, a23);
      xv = FloatVector.fromArray(MatVec.F, x, xo + 3 * k + p);
      a30 = w0.fma(xv, a30);
      a31 = w1.fma(xv, a31);
      a32 = w2.fma(xv, a32);
      a33 = w3.fma(xv, a33);
    }
    a00.intoArray(sums, 0);
    a01.intoArray(sums, L);
    a02.intoArray(sums, 2 * L);
    a03.intoArray(sums, 3 * L);
    a10.intoArray(sums, 4 * L);
    a11.intoArray(sums, 5 * L);
    a12.intoArray(sums, 6 * L);
    a13.intoArray(sums, 7 * L);
    a20.intoArray(sums, 8 * L);
    a21.intoArray(sums, 9 * L);
    a22.intoArray(sums, 10 * L);
    a23.intoArray(sums, 11 * L);
    a30.intoArray(sums, 12 * L);
    a31.intoArray(sums, 13 * L);
    a32.intoArray(sums, 14 * L);
    a33.intoArray(sums, 15 * L);
  }

  /**
   * The reduced sum of the accumulator at {@code sums[at ..]} ({@link MatVec#reduce(float[],
   * int)}): the vector stays in the array, so that no vector crosses a call the JIT may leave
   * un-inlined (it would be allocated).
   */
  static float reduce(float[] sums, int at) {
    return MatVec.reduce(sums, at);
  }

  /** One input row against four weight rows, W f32. */
  static void tile(
      float[] x, int xo, float[] w, int wo0, int wo1, int wo2, int wo3, int kv, float[] sums) {
    FloatVector a0 = FloatVector.zero(MatVec.F), a1 = a0, a2 = a0, a3 = a0;
    for (int p = 0; p < kv; p += L) {
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a0 = FloatVector.fromArray(MatVec.F, w, wo0 + p).fma(xv, a0);
      a1 = FloatVector.fromArray(MatVec.F, w, wo1 + p).fma(xv, a1);
      a2 = FloatVector.fromArray(MatVec.F, w, wo2 + p).fma(xv, a2);
      a3 = FloatVector.fromArray(MatVec.F, w, wo3 + p).fma(xv, a3);
    }
    a0.intoArray(sums, 0);
    a1.intoArray(sums, L);
    a2.intoArray(sums, 2 * L);
    a3.intoArray(sums, 3 * L);
  }

  /** One input row against four weight rows, W bf16. */
  static void tile(
      float[] x, int xo, short[] w, int wo0, int wo1, int wo2, int wo3, int kv, float[] sums) {
    FloatVector a0 = FloatVector.zero(MatVec.F), a1 = a0, a2 = a0, a3 = a0;
    for (int p = 0; p < kv; p += L) {
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a0 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo0 + p)).fma(xv, a0);
      a1 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo1 + p)).fma(xv, a1);
      a2 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo2 + p)).fma(xv, a2);
      a3 = MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo3 + p)).fma(xv, a3);
    }
    a0.intoArray(sums, 0);
    a1.intoArray(sums, L);
    a2.intoArray(sums, 2 * L);
    a3.intoArray(sums, 3 * L);
  }

  static float dot(float[] x, int xo, float[] w, int wo, int kv) {
    FloatVector a = FloatVector.zero(MatVec.F);
    for (int p = 0; p < kv; p += L) {
      a =
          FloatVector.fromArray(MatVec.F, w, wo + p)
              .fma(FloatVector.fromArray(MatVec.F, x, xo + p), a);
    }
    return MatVec.reduce(a);
  }

  static float dot(float[] x, int xo, short[] w, int wo, int kv) {
    FloatVector a = FloatVector.zero(MatVec.F);
    for (int p = 0; p < kv; p += L) {
      a =
          MatVec.widen(ShortVector.fromArray(MatVec.H, w, wo + p))
              .fma(FloatVector.fromArray(MatVec.F, x, xo + p), a);
    }
    return MatVec.reduce(a);
  }

  /** One input row against four weight rows, W bf16 in a segment. */
  static void tile(
      float[] x,
      int xo,
      MemorySegment w,
      long wo0,
      long wo1,
      long wo2,
      long wo3,
      int kv,
      float[] sums) {
    FloatVector a0 = FloatVector.zero(MatVec.F), a1 = a0, a2 = a0, a3 = a0;
    for (int p = 0; p < kv; p += L) {
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + p);
      a0 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo0 + p), LE)).fma(xv, a0);
      a1 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo1 + p), LE)).fma(xv, a1);
      a2 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo2 + p), LE)).fma(xv, a2);
      a3 = MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo3 + p), LE)).fma(xv, a3);
    }
    a0.intoArray(sums, 0);
    a1.intoArray(sums, L);
    a2.intoArray(sums, 2 * L);
    a3.intoArray(sums, 3 * L);
  }

  static float dot(float[] x, int xo, MemorySegment w, long wo, int kv) {
    FloatVector a = FloatVector.zero(MatVec.F);
    for (int p = 0; p < kv; p += L) {
      a =
          MatVec.widen(ShortVector.fromMemorySegment(MatVec.H, w, 2 * (wo + p), LE))
              .fma(FloatVector.fromArray(MatVec.F, x, xo + p), a);
    }
    return MatVec.reduce(a);
  }
}
