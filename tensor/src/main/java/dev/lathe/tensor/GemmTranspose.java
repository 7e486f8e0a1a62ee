package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs rows contiguous in k (a row-major A[m,k], or a forward-layout B[n,k]) into the k-major
 * panels of {@link GemmPacked} by transposes in registers. A perfect shuffle (two-vector lane
 * selections interleaving the halves of vectors i and i + h) rotates the bits of (row, k) by one;
 * log2 of the rows such rounds bring k to the front. For B, 16 × 16 blocks: 16 rows' next 16 values
 * of k are loaded as 16 vectors, transposed by four rounds of two-vector lane selections (a perfect
 * shuffle), and stored as 16 rows of the panel. This moves each value with one load, one store and
 * four selections, where scattering a vector down the panel costs a store per lane (2.3–5× slower,
 * measured on the Zen 5 machine at k = 576–2048). Values are only moved, never combined, so the
 * panel holds the same bits whichever way it was packed.
 */
final class GemmTranspose {
  private GemmTranspose() {}

  /** The only width this packer serves: 512-bit float vectors (16 lanes). */
  static final int W = 16;

  private static final VectorSpecies<Float> S16 = FloatVector.SPECIES_512;

  /** Whether this machine's vectors are 16 floats wide, the width the transpose is written for. */
  static final boolean AVAILABLE = GemmMicroKernel.L == W;

  // interleave the low (high) halves of two vectors: lanes 0,16,1,17,... (8,24,9,25,...)
  private static final FloatVector LO;
  private static final FloatVector HI;

  static {
    float[] lo = new float[W];
    float[] hi = new float[W];
    for (int i = 0; i < W / 2; i++) {
      lo[2 * i] = i;
      lo[2 * i + 1] = W + i;
      hi[2 * i] = W / 2 + i;
      hi[2 * i + 1] = W + W / 2 + i;
    }
    LO = FloatVector.fromArray(S16, lo, 0);
    HI = FloatVector.fromArray(S16, hi, 0);
  }

  /**
   * Packs values {@code 0..kv-1} of rows {@code q0..q0+15} of B (row q starts at {@code src[from +
   * q*rs]}) into panel columns {@code q0..q0+15}: {@code dst[at + p*nr + q] = src[from + q*rs +
   * p]}. {@code kv} is a multiple of 16.
   */
  static void pack16Rows(float[] src, int from, int rs, int kv, int nr, float[] dst, int at) {
    for (int p0 = 0; p0 < kv; p0 += W) {
      int f = from + p0;
      FloatVector r0 = FloatVector.fromArray(S16, src, f);
      FloatVector r1 = FloatVector.fromArray(S16, src, f + rs);
      FloatVector r2 = FloatVector.fromArray(S16, src, f + 2 * rs);
      FloatVector r3 = FloatVector.fromArray(S16, src, f + 3 * rs);
      FloatVector r4 = FloatVector.fromArray(S16, src, f + 4 * rs);
      FloatVector r5 = FloatVector.fromArray(S16, src, f + 5 * rs);
      FloatVector r6 = FloatVector.fromArray(S16, src, f + 6 * rs);
      FloatVector r7 = FloatVector.fromArray(S16, src, f + 7 * rs);
      FloatVector r8 = FloatVector.fromArray(S16, src, f + 8 * rs);
      FloatVector r9 = FloatVector.fromArray(S16, src, f + 9 * rs);
      FloatVector r10 = FloatVector.fromArray(S16, src, f + 10 * rs);
      FloatVector r11 = FloatVector.fromArray(S16, src, f + 11 * rs);
      FloatVector r12 = FloatVector.fromArray(S16, src, f + 12 * rs);
      FloatVector r13 = FloatVector.fromArray(S16, src, f + 13 * rs);
      FloatVector r14 = FloatVector.fromArray(S16, src, f + 14 * rs);
      FloatVector r15 = FloatVector.fromArray(S16, src, f + 15 * rs);
      // four perfect shuffles of the 16 rows transpose the 16 x 16 block
      for (int round = 0; round < 4; round++) {
        FloatVector n0 = LO.selectFrom(r0, r8);
        FloatVector n1 = HI.selectFrom(r0, r8);
        FloatVector n2 = LO.selectFrom(r1, r9);
        FloatVector n3 = HI.selectFrom(r1, r9);
        FloatVector n4 = LO.selectFrom(r2, r10);
        FloatVector n5 = HI.selectFrom(r2, r10);
        FloatVector n6 = LO.selectFrom(r3, r11);
        FloatVector n7 = HI.selectFrom(r3, r11);
        FloatVector n8 = LO.selectFrom(r4, r12);
        FloatVector n9 = HI.selectFrom(r4, r12);
        FloatVector n10 = LO.selectFrom(r5, r13);
        FloatVector n11 = HI.selectFrom(r5, r13);
        FloatVector n12 = LO.selectFrom(r6, r14);
        FloatVector n13 = HI.selectFrom(r6, r14);
        FloatVector n14 = LO.selectFrom(r7, r15);
        FloatVector n15 = HI.selectFrom(r7, r15);
        r0 = n0;
        r1 = n1;
        r2 = n2;
        r3 = n3;
        r4 = n4;
        r5 = n5;
        r6 = n6;
        r7 = n7;
        r8 = n8;
        r9 = n9;
        r10 = n10;
        r11 = n11;
        r12 = n12;
        r13 = n13;
        r14 = n14;
        r15 = n15;
      }
      int t = at + p0 * nr;
      r0.intoArray(dst, t);
      r1.intoArray(dst, t + nr);
      r2.intoArray(dst, t + 2 * nr);
      r3.intoArray(dst, t + 3 * nr);
      r4.intoArray(dst, t + 4 * nr);
      r5.intoArray(dst, t + 5 * nr);
      r6.intoArray(dst, t + 6 * nr);
      r7.intoArray(dst, t + 7 * nr);
      r8.intoArray(dst, t + 8 * nr);
      r9.intoArray(dst, t + 9 * nr);
      r10.intoArray(dst, t + 10 * nr);
      r11.intoArray(dst, t + 11 * nr);
      r12.intoArray(dst, t + 12 * nr);
      r13.intoArray(dst, t + 13 * nr);
      r14.intoArray(dst, t + 14 * nr);
      r15.intoArray(dst, t + 15 * nr);
    }
  }

  /**
   * Packs values {@code 0..kv-1} of 8 rows of A (row r starts at {@code src[from + r*rs]}) as one
   * 8-row panel: {@code dst[at + p*8 + r] = src[from + r*rs + p]}. Three perfect shuffles of the 8
   * rows' 16 values leave in vector j the panel's steps 2j and 2j+1, 16 consecutive floats. {@code
   * kv} is a multiple of 16.
   */
  static void pack8Rows(float[] src, int from, int rs, int kv, float[] dst, int at) {
    for (int p0 = 0; p0 < kv; p0 += W) {
      int f = from + p0;
      FloatVector r0 = FloatVector.fromArray(S16, src, f);
      FloatVector r1 = FloatVector.fromArray(S16, src, f + rs);
      FloatVector r2 = FloatVector.fromArray(S16, src, f + 2 * rs);
      FloatVector r3 = FloatVector.fromArray(S16, src, f + 3 * rs);
      FloatVector r4 = FloatVector.fromArray(S16, src, f + 4 * rs);
      FloatVector r5 = FloatVector.fromArray(S16, src, f + 5 * rs);
      FloatVector r6 = FloatVector.fromArray(S16, src, f + 6 * rs);
      FloatVector r7 = FloatVector.fromArray(S16, src, f + 7 * rs);
      for (int round = 0; round < 3; round++) {
        FloatVector n0 = LO.selectFrom(r0, r4);
        FloatVector n1 = HI.selectFrom(r0, r4);
        FloatVector n2 = LO.selectFrom(r1, r5);
        FloatVector n3 = HI.selectFrom(r1, r5);
        FloatVector n4 = LO.selectFrom(r2, r6);
        FloatVector n5 = HI.selectFrom(r2, r6);
        FloatVector n6 = LO.selectFrom(r3, r7);
        FloatVector n7 = HI.selectFrom(r3, r7);
        r0 = n0;
        r1 = n1;
        r2 = n2;
        r3 = n3;
        r4 = n4;
        r5 = n5;
        r6 = n6;
        r7 = n7;
      }
      int t = at + p0 * 8;
      r0.intoArray(dst, t);
      r1.intoArray(dst, t + W);
      r2.intoArray(dst, t + 2 * W);
      r3.intoArray(dst, t + 3 * W);
      r4.intoArray(dst, t + 4 * W);
      r5.intoArray(dst, t + 5 * W);
      r6.intoArray(dst, t + 6 * W);
      r7.intoArray(dst, t + 7 * W);
    }
  }
}
