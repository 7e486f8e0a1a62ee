package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of a LoRA A gradient ({@link LowRank#accumulateA}, and of B's, which runs as
 * A's on B transposed): 8 rows of dA by 3 vectors of input columns held in 24 accumulators over a
 * block of input rows, the shape of the packed GEMM's 8 × 3 tile. Each step of i reads three
 * vectors of the masked input (the mask applied in registers) and broadcasts eight values of d, for
 * 24 FMAs; each element of dA is still one FMA chain from dA in order of i, so the result is the
 * same bits as the narrower loops'.
 */
final class LowRankTile {
  private LowRankTile() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  /** Columns of x one tile covers. */
  static final int WIDTH = 3 * L;

  /**
   * {@code da[j + q, p + c] += Σ_{i in [i0, i1)} d[i, j + q] · m(x)[i, p + c]} for q < 8, c < 3L.
   *
   * <pre>
   * // da: (r, in)   d: (N, r)   x: (N, in)   dropped: (N, words) or null
   * </pre>
   */
  static void accumulateA(
      float[] d,
      float[] x,
      long[] dropped,
      float keep,
      float[] da,
      int i0,
      int i1,
      int in,
      int words,
      int r,
      int j,
      int p) {
    int at0 = j * in + p;
    FloatVector c00 = FloatVector.fromArray(S, da, at0);
    FloatVector c01 = FloatVector.fromArray(S, da, at0 + L);
    FloatVector c02 = FloatVector.fromArray(S, da, at0 + 2 * L);
    FloatVector c10 = FloatVector.fromArray(S, da, at0 + in);
    FloatVector c11 = FloatVector.fromArray(S, da, at0 + in + L);
    FloatVector c12 = FloatVector.fromArray(S, da, at0 + in + 2 * L);
    FloatVector c20 = FloatVector.fromArray(S, da, at0 + 2 * in);
    FloatVector c21 = FloatVector.fromArray(S, da, at0 + 2 * in + L);
    FloatVector c22 = FloatVector.fromArray(S, da, at0 + 2 * in + 2 * L);
    FloatVector c30 = FloatVector.fromArray(S, da, at0 + 3 * in);
    FloatVector c31 = FloatVector.fromArray(S, da, at0 + 3 * in + L);
    FloatVector c32 = FloatVector.fromArray(S, da, at0 + 3 * in + 2 * L);
    FloatVector c40 = FloatVector.fromArray(S, da, at0 + 4 * in);
    FloatVector c41 = FloatVector.fromArray(S, da, at0 + 4 * in + L);
    FloatVector c42 = FloatVector.fromArray(S, da, at0 + 4 * in + 2 * L);
    FloatVector c50 = FloatVector.fromArray(S, da, at0 + 5 * in);
    FloatVector c51 = FloatVector.fromArray(S, da, at0 + 5 * in + L);
    FloatVector c52 = FloatVector.fromArray(S, da, at0 + 5 * in + 2 * L);
    FloatVector c60 = FloatVector.fromArray(S, da, at0 + 6 * in);
    FloatVector c61 = FloatVector.fromArray(S, da, at0 + 6 * in + L);
    FloatVector c62 = FloatVector.fromArray(S, da, at0 + 6 * in + 2 * L);
    FloatVector c70 = FloatVector.fromArray(S, da, at0 + 7 * in);
    FloatVector c71 = FloatVector.fromArray(S, da, at0 + 7 * in + L);
    FloatVector c72 = FloatVector.fromArray(S, da, at0 + 7 * in + 2 * L);
    for (int i = i0; i < i1; i++) {
      int from = i * in + p;
      FloatVector v0 = FloatVector.fromArray(S, x, from);
      FloatVector v1 = FloatVector.fromArray(S, x, from + L);
      FloatVector v2 = FloatVector.fromArray(S, x, from + 2 * L);
      if (dropped != null) {
        int base = i * words;
        v0 = v0.mul(keep).blend(0f, dropped(dropped, base, p));
        v1 = v1.mul(keep).blend(0f, dropped(dropped, base, p + L));
        v2 = v2.mul(keep).blend(0f, dropped(dropped, base, p + 2 * L));
      }
      int at = i * r + j;
      FloatVector b = FloatVector.broadcast(S, d[at]);
      c00 = b.fma(v0, c00);
      c01 = b.fma(v1, c01);
      c02 = b.fma(v2, c02);
      b = FloatVector.broadcast(S, d[at + 1]);
      c10 = b.fma(v0, c10);
      c11 = b.fma(v1, c11);
      c12 = b.fma(v2, c12);
      b = FloatVector.broadcast(S, d[at + 2]);
      c20 = b.fma(v0, c20);
      c21 = b.fma(v1, c21);
      c22 = b.fma(v2, c22);
      b = FloatVector.broadcast(S, d[at + 3]);
      c30 = b.fma(v0, c30);
      c31 = b.fma(v1, c31);
      c32 = b.fma(v2, c32);
      b = FloatVector.broadcast(S, d[at + 4]);
      c40 = b.fma(v0, c40);
      c41 = b.fma(v1, c41);
      c42 = b.fma(v2, c42);
      b = FloatVector.broadcast(S, d[at + 5]);
      c50 = b.fma(v0, c50);
      c51 = b.fma(v1, c51);
      c52 = b.fma(v2, c52);
      b = FloatVector.broadcast(S, d[at + 6]);
      c60 = b.fma(v0, c60);
      c61 = b.fma(v1, c61);
      c62 = b.fma(v2, c62);
      b = FloatVector.broadcast(S, d[at + 7]);
      c70 = b.fma(v0, c70);
      c71 = b.fma(v1, c71);
      c72 = b.fma(v2, c72);
    }
    c00.intoArray(da, at0);
    c01.intoArray(da, at0 + L);
    c02.intoArray(da, at0 + 2 * L);
    c10.intoArray(da, at0 + in);
    c11.intoArray(da, at0 + in + L);
    c12.intoArray(da, at0 + in + 2 * L);
    c20.intoArray(da, at0 + 2 * in);
    c21.intoArray(da, at0 + 2 * in + L);
    c22.intoArray(da, at0 + 2 * in + 2 * L);
    c30.intoArray(da, at0 + 3 * in);
    c31.intoArray(da, at0 + 3 * in + L);
    c32.intoArray(da, at0 + 3 * in + 2 * L);
    c40.intoArray(da, at0 + 4 * in);
    c41.intoArray(da, at0 + 4 * in + L);
    c42.intoArray(da, at0 + 4 * in + 2 * L);
    c50.intoArray(da, at0 + 5 * in);
    c51.intoArray(da, at0 + 5 * in + L);
    c52.intoArray(da, at0 + 5 * in + 2 * L);
    c60.intoArray(da, at0 + 6 * in);
    c61.intoArray(da, at0 + 6 * in + L);
    c62.intoArray(da, at0 + 6 * in + 2 * L);
    c70.intoArray(da, at0 + 7 * in);
    c71.intoArray(da, at0 + 7 * in + L);
    c72.intoArray(da, at0 + 7 * in + 2 * L);
  }

  /** The lanes of elements p .. p+L of a row (mask words from {@code base}) that are dropped. */
  private static VectorMask<Float> dropped(long[] dropped, int base, int p) {
    // L divides 64, so the L bits of p .. p+L lie in one word
    return VectorMask.fromLong(S, dropped[base + (p >>> 6)] >>> (p & 63));
  }
}
