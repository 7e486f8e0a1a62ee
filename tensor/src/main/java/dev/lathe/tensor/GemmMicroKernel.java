package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernels of {@link GemmPacked}: an MR × NR tile of C held in {@code MR
 * * NV} vector accumulators, updated by one fused multiply-add per (row, vector) for every step of
 * k. A comes packed as {@code MR} consecutive floats per k step (one broadcast each), B as {@code
 * NR} consecutive floats per k step (NV vector loads). {@link GemmTiling} picks the tile: 6 × 2
 * vectors ({@link #tile}) or 8 × 3 vectors ({@link #tile8x3}), each with a one-vector-wide twin.
 *
 * <p>Each element of C is one FMA chain over its k block, in order of k, then one add into C: the
 * result does not depend on where the tile sits or which thread computes it.
 */
final class GemmMicroKernel {
  private GemmMicroKernel() {}

  static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  static final int L = S.length();

  /**
   * C[6, 2L] at {@code c[cOff]} with row stride {@code ldc} (+)= Ap[kc, 6]ᵀ · Bp[kc, 2L].
   *
   * @param overwrite store the product instead of adding it to C
   */
  static void tile(
      float[] ap,
      int aBase,
      float[] bp,
      int bBase,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      boolean overwrite) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    if (overwrite) {
      c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(S);
    } else {
      c00 = FloatVector.fromArray(S, c, cOff);
      c01 = FloatVector.fromArray(S, c, cOff + L);
      c10 = FloatVector.fromArray(S, c, cOff + ldc);
      c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
      c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
      c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
      c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
      c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
      c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
      c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
      c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
      c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L);
    }
    int ai = aBase;
    int bi = bBase;
    for (int p = 0; p < kc; p++, ai += 6, bi += 2 * L) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
      FloatVector a = FloatVector.broadcast(S, ap[ai]);
      c00 = b0.fma(a, c00);
      c01 = b1.fma(a, c01);
      a = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = b0.fma(a, c10);
      c11 = b1.fma(a, c11);
      a = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = b0.fma(a, c20);
      c21 = b1.fma(a, c21);
      a = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = b0.fma(a, c30);
      c31 = b1.fma(a, c31);
      a = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = b0.fma(a, c40);
      c41 = b1.fma(a, c41);
      a = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = b0.fma(a, c50);
      c51 = b1.fma(a, c51);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + L);
    c10.intoArray(c, cOff + ldc);
    c11.intoArray(c, cOff + ldc + L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
    c40.intoArray(c, cOff + 4 * ldc);
    c41.intoArray(c, cOff + 4 * ldc + L);
    c50.intoArray(c, cOff + 5 * ldc);
    c51.intoArray(c, cOff + 5 * ldc + L);
  }

  /**
   * As {@link #tile} for a tile one vector wide: C[6, L] (+)= Ap[kc, 6]ᵀ · Bp[kc, L], with B packed
   * as {@code L} floats per k step. Each element is the same FMA chain as in {@link #tile}, so the
   * result is bit-identical; it serves products whose C has at most {@code L} columns (a LoRA rank)
   * without computing padded lanes.
   */
  static void tileNarrow(
      float[] ap,
      int aBase,
      float[] bp,
      int bBase,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      boolean overwrite) {
    FloatVector c0, c1, c2, c3, c4, c5;
    if (overwrite) {
      c0 = c1 = c2 = c3 = c4 = c5 = FloatVector.zero(S);
    } else {
      c0 = FloatVector.fromArray(S, c, cOff);
      c1 = FloatVector.fromArray(S, c, cOff + ldc);
      c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
      c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
      c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
      c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
    }
    int ai = aBase;
    int bi = bBase;
    for (int p = 0; p < kc; p++, ai += 6, bi += L) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      c0 = b0.fma(FloatVector.broadcast(S, ap[ai]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, ap[ai + 1]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, ap[ai + 2]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, ap[ai + 3]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, ap[ai + 4]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, ap[ai + 5]), c5);
    }
    c0.intoArray(c, cOff);
    c1.intoArray(c, cOff + ldc);
    c2.intoArray(c, cOff + 2 * ldc);
    c3.intoArray(c, cOff + 3 * ldc);
    c4.intoArray(c, cOff + 4 * ldc);
    c5.intoArray(c, cOff + 5 * ldc);
  }

  /**
   * As {@link #tile} for an 8 × 3-vector tile: C[8, 3L] (+)= Ap[kc, 8]ᵀ · Bp[kc, 3L]. Each element
   * is the same FMA chain as in {@link #tile}, so the result does not depend on the tile shape.
   */
  static void tile8x3(
      float[] ap,
      int aBase,
      float[] bp,
      int bBase,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      boolean overwrite) {
    FloatVector c00,
        c01,
        c02,
        c10,
        c11,
        c12,
        c20,
        c21,
        c22,
        c30,
        c31,
        c32,
        c40,
        c41,
        c42,
        c50,
        c51,
        c52,
        c60,
        c61,
        c62,
        c70,
        c71,
        c72;
    if (overwrite) {
      c00 =
          c01 =
              c02 =
                  c10 =
                      c11 =
                          c12 =
                              c20 =
                                  c21 =
                                      c22 =
                                          c30 =
                                              c31 =
                                                  c32 =
                                                      c40 =
                                                          c41 =
                                                              c42 =
                                                                  c50 =
                                                                      c51 =
                                                                          c52 =
                                                                              c60 =
                                                                                  c61 =
                                                                                      c62 =
                                                                                          c70 =
                                                                                              c71 =
                                                                                                  c72 =
                                                                                                      FloatVector
                                                                                                          .zero(
                                                                                                              S);
    } else {
      c00 = FloatVector.fromArray(S, c, cOff);
      c01 = FloatVector.fromArray(S, c, cOff + L);
      c02 = FloatVector.fromArray(S, c, cOff + 2 * L);
      c10 = FloatVector.fromArray(S, c, cOff + ldc);
      c11 = FloatVector.fromArray(S, c, cOff + ldc + L);
      c12 = FloatVector.fromArray(S, c, cOff + ldc + 2 * L);
      c20 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
      c21 = FloatVector.fromArray(S, c, cOff + 2 * ldc + L);
      c22 = FloatVector.fromArray(S, c, cOff + 2 * ldc + 2 * L);
      c30 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
      c31 = FloatVector.fromArray(S, c, cOff + 3 * ldc + L);
      c32 = FloatVector.fromArray(S, c, cOff + 3 * ldc + 2 * L);
      c40 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
      c41 = FloatVector.fromArray(S, c, cOff + 4 * ldc + L);
      c42 = FloatVector.fromArray(S, c, cOff + 4 * ldc + 2 * L);
      c50 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
      c51 = FloatVector.fromArray(S, c, cOff + 5 * ldc + L);
      c52 = FloatVector.fromArray(S, c, cOff + 5 * ldc + 2 * L);
      c60 = FloatVector.fromArray(S, c, cOff + 6 * ldc);
      c61 = FloatVector.fromArray(S, c, cOff + 6 * ldc + L);
      c62 = FloatVector.fromArray(S, c, cOff + 6 * ldc + 2 * L);
      c70 = FloatVector.fromArray(S, c, cOff + 7 * ldc);
      c71 = FloatVector.fromArray(S, c, cOff + 7 * ldc + L);
      c72 = FloatVector.fromArray(S, c, cOff + 7 * ldc + 2 * L);
    }
    int ai = aBase;
    int bi = bBase;
    for (int p = 0; p < kc; p++, ai += 8, bi += 3 * L) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
      FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
      FloatVector a = FloatVector.broadcast(S, ap[ai]);
      c00 = b0.fma(a, c00);
      c01 = b1.fma(a, c01);
      c02 = b2.fma(a, c02);
      a = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = b0.fma(a, c10);
      c11 = b1.fma(a, c11);
      c12 = b2.fma(a, c12);
      a = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = b0.fma(a, c20);
      c21 = b1.fma(a, c21);
      c22 = b2.fma(a, c22);
      a = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = b0.fma(a, c30);
      c31 = b1.fma(a, c31);
      c32 = b2.fma(a, c32);
      a = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = b0.fma(a, c40);
      c41 = b1.fma(a, c41);
      c42 = b2.fma(a, c42);
      a = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = b0.fma(a, c50);
      c51 = b1.fma(a, c51);
      c52 = b2.fma(a, c52);
      a = FloatVector.broadcast(S, ap[ai + 6]);
      c60 = b0.fma(a, c60);
      c61 = b1.fma(a, c61);
      c62 = b2.fma(a, c62);
      a = FloatVector.broadcast(S, ap[ai + 7]);
      c70 = b0.fma(a, c70);
      c71 = b1.fma(a, c71);
      c72 = b2.fma(a, c72);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + L);
    c02.intoArray(c, cOff + 2 * L);
    c10.intoArray(c, cOff + ldc);
    c11.intoArray(c, cOff + ldc + L);
    c12.intoArray(c, cOff + ldc + 2 * L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c22.intoArray(c, cOff + 2 * ldc + 2 * L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
    c32.intoArray(c, cOff + 3 * ldc + 2 * L);
    c40.intoArray(c, cOff + 4 * ldc);
    c41.intoArray(c, cOff + 4 * ldc + L);
    c42.intoArray(c, cOff + 4 * ldc + 2 * L);
    c50.intoArray(c, cOff + 5 * ldc);
    c51.intoArray(c, cOff + 5 * ldc + L);
    c52.intoArray(c, cOff + 5 * ldc + 2 * L);
    c60.intoArray(c, cOff + 6 * ldc);
    c61.intoArray(c, cOff + 6 * ldc + L);
    c62.intoArray(c, cOff + 6 * ldc + 2 * L);
    c70.intoArray(c, cOff + 7 * ldc);
    c71.intoArray(c, cOff + 7 * ldc + L);
    c72.intoArray(c, cOff + 7 * ldc + 2 * L);
  }

  /** As {@link #tileNarrow} for 8 rows: C[8, L] (+)= Ap[kc, 8]ᵀ · Bp[kc, L]. */
  static void tileNarrow8(
      float[] ap,
      int aBase,
      float[] bp,
      int bBase,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      boolean overwrite) {
    FloatVector c0, c1, c2, c3, c4, c5, c6, c7;
    if (overwrite) {
      c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = FloatVector.zero(S);
    } else {
      c0 = FloatVector.fromArray(S, c, cOff);
      c1 = FloatVector.fromArray(S, c, cOff + ldc);
      c2 = FloatVector.fromArray(S, c, cOff + 2 * ldc);
      c3 = FloatVector.fromArray(S, c, cOff + 3 * ldc);
      c4 = FloatVector.fromArray(S, c, cOff + 4 * ldc);
      c5 = FloatVector.fromArray(S, c, cOff + 5 * ldc);
      c6 = FloatVector.fromArray(S, c, cOff + 6 * ldc);
      c7 = FloatVector.fromArray(S, c, cOff + 7 * ldc);
    }
    int ai = aBase;
    int bi = bBase;
    for (int p = 0; p < kc; p++, ai += 8, bi += L) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      c0 = b0.fma(FloatVector.broadcast(S, ap[ai]), c0);
      c1 = b0.fma(FloatVector.broadcast(S, ap[ai + 1]), c1);
      c2 = b0.fma(FloatVector.broadcast(S, ap[ai + 2]), c2);
      c3 = b0.fma(FloatVector.broadcast(S, ap[ai + 3]), c3);
      c4 = b0.fma(FloatVector.broadcast(S, ap[ai + 4]), c4);
      c5 = b0.fma(FloatVector.broadcast(S, ap[ai + 5]), c5);
      c6 = b0.fma(FloatVector.broadcast(S, ap[ai + 6]), c6);
      c7 = b0.fma(FloatVector.broadcast(S, ap[ai + 7]), c7);
    }
    c0.intoArray(c, cOff);
    c1.intoArray(c, cOff + ldc);
    c2.intoArray(c, cOff + 2 * ldc);
    c3.intoArray(c, cOff + 3 * ldc);
    c4.intoArray(c, cOff + 4 * ldc);
    c5.intoArray(c, cOff + 5 * ldc);
    c6.intoArray(c, cOff + 6 * ldc);
    c7.intoArray(c, cOff + 7 * ldc);
  }
}
