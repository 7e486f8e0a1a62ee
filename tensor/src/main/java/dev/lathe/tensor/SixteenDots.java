package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Sixteen dot products of one vector with sixteen rows a stride apart (a head's query against
 * sixteen cached keys), reduced together, on a machine with sixteen float lanes.
 *
 * <p>Each row's products go into their own accumulator, one FMA chain over the dimensions in order,
 * as {@link MatVec}'s kernels do. The sixteen accumulators are then summed by a transposing tree:
 * each step pairs two vectors, keeps the lanes of one with bit h clear and of the other with bit h
 * set, and adds the lanes h apart, so after four steps one vector holds all sixteen sums. Every sum
 * is the same pairwise tree over the same lanes as {@link MatVec#reduce}, so each result has the
 * bits of that row's dot product reduced alone; the tree costs about a quarter of sixteen separate
 * reductions. {@link #sums} is the tree alone, for sixteen vectors already in memory: {@link
 * MatVec} sums sixteen rows of a small product with it.
 */
public final class SixteenDots {
  private SixteenDots() {}

  /** Whether this machine's vectors have sixteen float lanes; only then may {@link #dots} run. */
  public static final boolean AVAILABLE = MatVec.L == 16;

  private static final int L = MatVec.L;

  // lanes with bit h set, and the swap of lanes i and i xor h (constants for C2)
  private static final VectorMask<Float> M8 = bit(8);
  private static final VectorMask<Float> M4 = bit(4);
  private static final VectorMask<Float> M2 = bit(2);
  private static final VectorMask<Float> M1 = bit(1);
  private static final VectorShuffle<Float> S8 = swap(8);
  private static final VectorShuffle<Float> S4 = swap(4);
  private static final VectorShuffle<Float> S2 = swap(2);
  private static final VectorShuffle<Float> S1 = swap(1);

  // the tree leaves row r's sum in lane reverse4(r); this puts it back in lane r
  private static final VectorShuffle<Float> ORDER =
      VectorShuffle.fromOp(MatVec.F, i -> Integer.reverse(i) >>> 28 & (L - 1));

  /**
   * {@code out[o + r] = x[xo ..] · w[wo + r·stride ..]} over the first {@code hv} values, for r <
   * 16; hv a multiple of 16. The accumulators go through {@code lanes} (16·L floats) to {@link
   * #sums}. Only when {@link #AVAILABLE}.
   */
  public static void dots(
      float[] x, int xo, float[] w, int wo, int stride, int hv, float[] out, int o, float[] lanes) {
    FloatVector z = FloatVector.zero(MatVec.F);
    FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
    FloatVector a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
    for (int d = 0; d < hv; d += L) {
      FloatVector xv = FloatVector.fromArray(MatVec.F, x, xo + d);
      int b = wo + d;
      a0 = xv.fma(FloatVector.fromArray(MatVec.F, w, b), a0);
      a1 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + stride), a1);
      a2 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 2 * stride), a2);
      a3 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 3 * stride), a3);
      a4 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 4 * stride), a4);
      a5 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 5 * stride), a5);
      a6 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 6 * stride), a6);
      a7 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 7 * stride), a7);
      a8 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 8 * stride), a8);
      a9 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 9 * stride), a9);
      a10 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 10 * stride), a10);
      a11 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 11 * stride), a11);
      a12 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 12 * stride), a12);
      a13 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 13 * stride), a13);
      a14 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 14 * stride), a14);
      a15 = xv.fma(FloatVector.fromArray(MatVec.F, w, b + 15 * stride), a15);
    }
    a0.intoArray(lanes, 0);
    a1.intoArray(lanes, L);
    a2.intoArray(lanes, 2 * L);
    a3.intoArray(lanes, 3 * L);
    a4.intoArray(lanes, 4 * L);
    a5.intoArray(lanes, 5 * L);
    a6.intoArray(lanes, 6 * L);
    a7.intoArray(lanes, 7 * L);
    a8.intoArray(lanes, 8 * L);
    a9.intoArray(lanes, 9 * L);
    a10.intoArray(lanes, 10 * L);
    a11.intoArray(lanes, 11 * L);
    a12.intoArray(lanes, 12 * L);
    a13.intoArray(lanes, 13 * L);
    a14.intoArray(lanes, 14 * L);
    a15.intoArray(lanes, 15 * L);
    sums(lanes, out, o, false);
  }

  /**
   * {@code out[o + r]} (+)= the lanes of {@code lanes[r·L .. (r+1)·L)} summed, for r < 16, by the
   * transposing tree: each sum has the bits of {@link MatVec#reduce} of that vector alone, and with
   * {@code accumulate} one add into {@code out[o + r]} after it. Only when {@link #AVAILABLE}.
   */
  public static void sums(float[] lanes, float[] out, int o, boolean accumulate) {
    FloatVector a0 = FloatVector.fromArray(MatVec.F, lanes, 0);
    FloatVector a1 = FloatVector.fromArray(MatVec.F, lanes, L);
    FloatVector a2 = FloatVector.fromArray(MatVec.F, lanes, 2 * L);
    FloatVector a3 = FloatVector.fromArray(MatVec.F, lanes, 3 * L);
    FloatVector a4 = FloatVector.fromArray(MatVec.F, lanes, 4 * L);
    FloatVector a5 = FloatVector.fromArray(MatVec.F, lanes, 5 * L);
    FloatVector a6 = FloatVector.fromArray(MatVec.F, lanes, 6 * L);
    FloatVector a7 = FloatVector.fromArray(MatVec.F, lanes, 7 * L);
    FloatVector a8 = FloatVector.fromArray(MatVec.F, lanes, 8 * L);
    FloatVector a9 = FloatVector.fromArray(MatVec.F, lanes, 9 * L);
    FloatVector a10 = FloatVector.fromArray(MatVec.F, lanes, 10 * L);
    FloatVector a11 = FloatVector.fromArray(MatVec.F, lanes, 11 * L);
    FloatVector a12 = FloatVector.fromArray(MatVec.F, lanes, 12 * L);
    FloatVector a13 = FloatVector.fromArray(MatVec.F, lanes, 13 * L);
    FloatVector a14 = FloatVector.fromArray(MatVec.F, lanes, 14 * L);
    FloatVector a15 = FloatVector.fromArray(MatVec.F, lanes, 15 * L);
    // step h = 8: rows 2i and 2i+1 share a vector, the first in the lanes with bit 3 clear
    FloatVector b0 = a0.blend(a1, M8).add(a1.blend(a0, M8).rearrange(S8));
    FloatVector b1 = a2.blend(a3, M8).add(a3.blend(a2, M8).rearrange(S8));
    FloatVector b2 = a4.blend(a5, M8).add(a5.blend(a4, M8).rearrange(S8));
    FloatVector b3 = a6.blend(a7, M8).add(a7.blend(a6, M8).rearrange(S8));
    FloatVector b4 = a8.blend(a9, M8).add(a9.blend(a8, M8).rearrange(S8));
    FloatVector b5 = a10.blend(a11, M8).add(a11.blend(a10, M8).rearrange(S8));
    FloatVector b6 = a12.blend(a13, M8).add(a13.blend(a12, M8).rearrange(S8));
    FloatVector b7 = a14.blend(a15, M8).add(a15.blend(a14, M8).rearrange(S8));
    // h = 4, 2, 1: four rows per vector, then eight, then sixteen
    FloatVector c0 = b0.blend(b1, M4).add(b1.blend(b0, M4).rearrange(S4));
    FloatVector c1 = b2.blend(b3, M4).add(b3.blend(b2, M4).rearrange(S4));
    FloatVector c2 = b4.blend(b5, M4).add(b5.blend(b4, M4).rearrange(S4));
    FloatVector c3 = b6.blend(b7, M4).add(b7.blend(b6, M4).rearrange(S4));
    FloatVector d0 = c0.blend(c1, M2).add(c1.blend(c0, M2).rearrange(S2));
    FloatVector d1 = c2.blend(c3, M2).add(c3.blend(c2, M2).rearrange(S2));
    FloatVector sums = d0.blend(d1, M1).add(d1.blend(d0, M1).rearrange(S1)).rearrange(ORDER);
    if (accumulate) {
      sums = FloatVector.fromArray(MatVec.F, out, o).add(sums);
    }
    sums.intoArray(out, o);
  }

  private static VectorMask<Float> bit(int h) {
    boolean[] set = new boolean[L];
    for (int i = 0; i < L; i++) {
      set[i] = (i & h) != 0;
    }
    return VectorMask.fromArray(MatVec.F, set, 0);
  }

  private static VectorShuffle<Float> swap(int h) {
    return VectorShuffle.fromOp(MatVec.F, i -> (i ^ h) & (L - 1));
  }
}
