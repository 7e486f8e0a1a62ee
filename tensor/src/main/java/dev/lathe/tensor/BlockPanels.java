package dev.lathe.tensor;

import static dev.lathe.tensor.GemmMicroKernel.L;
import static dev.lathe.tensor.GemmMicroKernel.S;
import static jdk.incubator.vector.VectorOperators.B2F;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.ZERO_EXTEND_B2I;

import dev.lathe.tensor.GemmPacked.BSource;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs a block-format B (Q8_0 or Q4_0, rows of B[n,k]) into the packed GEMM's column panels
 * ({@link GemmPacked}): each value {@code q * d}, exact in f32, widened in registers and scattered
 * down the panel.
 */
final class BlockPanels {
  private BlockPanels() {}

  /** Bytes of one Q8_0 load: one float vector's worth of values. */
  private static final VectorSpecies<Byte> Q8_BYTES =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));

  /**
   * Packs columns j..j+cols of a Q8_0 B (rows of B[n,k]) as one panel: each value {@code q * d},
   * which f32 holds exactly (8-bit q times an f16 scale). Runs of L values within one block are
   * widened in registers and scattered down the panel; a slice of k not starting on a block (a k
   * longer than one packed slice) goes value by value.
   */
  static void packQ8(Q8Matrix w, BSource b, int k, int j, int cols, int nr, float[] dst, int at) {
    byte[] q = w.values();
    float[] d = w.scales();
    int cs = b.cs();
    boolean vector = L <= Q8Matrix.BLOCK && Q8_BYTES.length() == L && b.off() % L == 0;
    int[] down = GemmPacked.SCATTER[nr / L];
    int kv = vector ? k - k % L : 0;
    for (int c = 0; c < cols; c++) {
      int f = (int) b.off() + (j + c) * cs;
      for (int p = 0; p < kv; p += L) {
        FloatVector v =
            (FloatVector) ByteVector.fromArray(Q8_BYTES, q, f + p).convertShape(B2F, S, 0);
        v.mul(d[(f + p) / Q8Matrix.BLOCK]).intoArray(dst, at + p * nr + c, down, 0);
      }
      for (int p = kv; p < k; p++) {
        dst[at + p * nr + c] = q[f + p] * d[(f + p) / Q8Matrix.BLOCK];
      }
    }
  }

  /** Ints as wide as the panels' float vectors, for Q4_0's nibbles. */
  private static final VectorSpecies<Integer> Q4_INTS =
      VectorSpecies.of(int.class, S.vectorShape());

  /**
   * Packs columns j..j+cols of a Q4_0 B (rows of B[n,k]) as one panel: each value {@code q * d},
   * which f32 holds exactly. Whole blocks are widened in registers as the Q4_0 kernels widen them
   * (a block's low nibbles are its first 16 values, its high nibbles the next 16), scaled, and
   * scattered down the panel; a slice of k not starting on a block goes value by value.
   */
  static void packQ4(Q4Matrix w, BSource b, int k, int j, int cols, int nr, float[] dst, int at) {
    byte[] q = w.values();
    float[] d = w.scales();
    int cs = b.cs();
    int bl = Q4Matrix.BLOCK;
    int half = bl / 2;
    VectorSpecies<Byte> bytes = BlockMatrix.B;
    boolean vector = BlockMatrix.L == L && b.off() % bl == 0 && cs % bl == 0;
    int[] down = GemmPacked.SCATTER[nr / L];
    int kv = vector ? k - k % bl : 0;
    for (int c = 0; c < cols; c++) {
      int f = (int) b.off() + (j + c) * cs;
      for (int p = 0; p < kv; p += bl) {
        int e = f + p;
        float scale = d[e / bl];
        for (int u = 0; u < half; u += bytes.length()) {
          ByteVector v8 = ByteVector.fromArray(bytes, q, e / 2 + u);
          for (int part = 0; part < BlockMatrix.PARTS; part++) {
            IntVector v = (IntVector) v8.convertShape(ZERO_EXTEND_B2I, Q4_INTS, part);
            int o = p + u + part * L;
            ((FloatVector) v.and(15).sub(8).convert(I2F, 0))
                .mul(scale)
                .intoArray(dst, at + o * nr + c, down, 0);
            ((FloatVector) v.lanewise(LSHR, 4).sub(8).convert(I2F, 0))
                .mul(scale)
                .intoArray(dst, at + (o + half) * nr + c, down, 0);
          }
        }
      }
      for (int p = kv; p < k; p++) {
        dst[at + p * nr + c] = w.quant(f + p) * d[(f + p) / bl];
      }
    }
  }
}
