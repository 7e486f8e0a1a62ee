package dev.lathe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix [rows, cols] in Q4_0, GGUF's 4-bit format: per block of {@link #BLOCK} values, 16
 * bytes and one f16 scale {@code d}. Byte j of a block holds value j in its low nibble and value
 * j+16 in its high nibble, each as {@code q + 8} with q in [-8, 7]; the value is {@code q * d}.
 * This is GGUF's own layout, so a GGUF Q4_0 tensor is held as its bytes. The weights stream at 4.5
 * bits per value (a seventh of f32); the products are {@link BlockMatrix}'s, each nibble widened to
 * f32 in registers.
 */
public final class Q4Matrix extends BlockMatrix {
  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

  /** Bytes per block. */
  private static final int HALF = BLOCK / 2;

  static {
    if (B.length() > HALF) {
      throw new ExceptionInInitializerError("Q4_0 kernel needs byte loads of at most 16 lanes");
    }
  }

  private final byte[] q; // (rows, cols / 2), blocks of 16 bytes

  private Q4Matrix(byte[] q, float[] scales, int rows, int cols) {
    super("Q4_0", scales, rows, cols);
    this.q = q;
  }

  /**
   * Holds {@code q} (rows, cols / 2: per block the 16 bytes of a GGUF {@code block_q4_0} after its
   * scale) and {@code scales} (rows, cols / 32) as they are. Each scale must be an f16 value.
   */
  public static Q4Matrix of(byte[] q, float[] scales, int rows, int cols) {
    checkHeld("Q4_0", q, HALF, scales, rows, cols);
    return new Q4Matrix(q, scales, rows, cols);
  }

  /**
   * Quantizes {@code w} (rows, cols) to Q4_0 as ggml's reference {@code quantize_row_q4_0_ref}: per
   * block, {@code max} is the value of largest magnitude (the first if tied), {@code d = max / -8}
   * stored as f16, and each value becomes {@code min(15, trunc(x / d + 8.5)) - 8}, the multiply-add
   * rounded once (as the reference compiles with a fused multiply-add). The value of largest
   * magnitude maps to -8 exactly; cols must be a multiple of 32.
   */
  public static Q4Matrix quantize(float[] w, int rows, int cols) {
    checkWeights("Q4_0", w, rows, cols);
    byte[] q = new byte[w.length / 2];
    float[] scales = new float[w.length / BLOCK];
    for (int b = 0; b < scales.length; b++) {
      int at = b * BLOCK;
      float amax = 0;
      float max = 0;
      for (int i = at; i < at + BLOCK; i++) {
        if (amax < Math.abs(w[i])) {
          amax = Math.abs(w[i]);
          max = w[i];
        }
      }
      float d = max / -8f;
      float id = d != 0 ? 1f / d : 0f;
      scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
      for (int j = 0; j < HALF; j++) {
        int lo = Math.min(15, (int) Math.fma(w[at + j], id, 8.5f));
        int hi = Math.min(15, (int) Math.fma(w[at + HALF + j], id, 8.5f));
        q[b * HALF + j] = (byte) (lo | hi << 4);
      }
    }
    return new Q4Matrix(q, scales, rows, cols);
  }

  @Override
  int quant(int i) {
    int j = i & (BLOCK - 1);
    int b = q[(i >>> 5) * HALF + (j & (HALF - 1))] & 0xff;
    return (j < HALF ? b & 15 : b >>> 4) - 8;
  }

  /** Bytes held: half a byte per value and four per block scale. */
  @Override
  public long bytes() {
    return q.length + 4L * scales.length;
  }

  // The nibbles are widened in each kernel's own body, not in a helper: a helper taking or
  // returning a vector would box it whenever the JIT's inlining budget runs out (see MatVec).

  @Override
  void dot(float[] x, int xAt, int r, float[] lanes) {
    int nb = cols / BLOCK;
    FloatVector acc = FloatVector.zero(F);
    int at = r * (cols / 2);
    for (int b = 0; b < nb; b++, at += HALF, xAt += BLOCK) {
      FloatVector s = FloatVector.zero(F);
      for (int j = 0; j < HALF; j += B.length()) {
        ByteVector bytes = ByteVector.fromArray(B, q, at + j);
        for (int p = 0; p < PARTS; p++) {
          IntVector v = (IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          FloatVector lo = (FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0);
          FloatVector hi =
              (FloatVector)
                  v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
          s = lo.fma(FloatVector.fromArray(F, x, xAt + j + p * L), s);
          s = hi.fma(FloatVector.fromArray(F, x, xAt + HALF + j + p * L), s);
        }
      }
      acc = s.fma(FloatVector.broadcast(F, scales[r * nb + b]), acc);
    }
    acc.intoArray(lanes, 0);
  }

  @Override
  void dot4(float[] x, int xAt, int ra, int rb, float[] sums) {
    if (LINE) {
      dot4Line(x, xAt, ra, rb, sums);
    } else {
      dot4Parts(x, xAt, ra, rb, sums);
    }
  }

  /**
   * {@link #dot4} in one straight line where a block's sixteen bytes are one load of one part
   * (512-bit vectors): Q4_0 decode ran 175-184 tok/s with the loops over loads and parts, 205-209
   * written out (135M shape, 2 threads). The same bits.
   */
  private void dot4Line(float[] x, int xAt, int ra, int rb, float[] sums) {
    int nb = cols / BLOCK;
    int half = cols / 2;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    int at = ra * half;
    int bt = rb * half;
    int sa = ra * nb;
    int sb = rb * nb;
    for (int b = 0; b < nb; b++, at += HALF, bt += HALF, xAt += BLOCK) {
      FloatVector lo = FloatVector.fromArray(F, x, xAt);
      FloatVector hi = FloatVector.fromArray(F, x, xAt + HALF);
      IntVector v0 =
          (IntVector)
              ByteVector.fromArray(B, q, at).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      IntVector v1 =
          (IntVector)
              ByteVector.fromArray(B, q, at + half)
                  .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      IntVector v2 =
          (IntVector)
              ByteVector.fromArray(B, q, bt).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      IntVector v3 =
          (IntVector)
              ByteVector.fromArray(B, q, bt + half)
                  .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector s0 = ((FloatVector) v0.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, z);
      FloatVector s1 = ((FloatVector) v1.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, z);
      FloatVector s2 = ((FloatVector) v2.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, z);
      FloatVector s3 = ((FloatVector) v3.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, z);
      s0 =
          ((FloatVector)
                  v0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
              .fma(hi, s0);
      s1 =
          ((FloatVector)
                  v1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
              .fma(hi, s1);
      s2 =
          ((FloatVector)
                  v2.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
              .fma(hi, s2);
      s3 =
          ((FloatVector)
                  v3.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
              .fma(hi, s3);
      acc0 = s0.fma(FloatVector.broadcast(F, scales[sa + b]), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, scales[sa + nb + b]), acc1);
      acc2 = s2.fma(FloatVector.broadcast(F, scales[sb + b]), acc2);
      acc3 = s3.fma(FloatVector.broadcast(F, scales[sb + nb + b]), acc3);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
  }

  /** {@link #dot4} for any vector width. */
  void dot4Parts(float[] x, int xAt, int ra, int rb, float[] sums) {
    int nb = cols / BLOCK;
    int half = cols / 2;
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int at = ra * half;
    int bt = rb * half;
    int sa = ra * nb;
    int sb = rb * nb;
    for (int b = 0; b < nb; b++, at += HALF, bt += HALF, xAt += BLOCK) {
      FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
      for (int j = 0; j < HALF; j += B.length()) {
        ByteVector q0 = ByteVector.fromArray(B, q, at + j);
        ByteVector q1 = ByteVector.fromArray(B, q, at + half + j);
        ByteVector q2 = ByteVector.fromArray(B, q, bt + j);
        ByteVector q3 = ByteVector.fromArray(B, q, bt + half + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector lo = FloatVector.fromArray(F, x, xAt + j + p * L);
          FloatVector hi = FloatVector.fromArray(F, x, xAt + HALF + j + p * L);
          IntVector v0 = (IntVector) q0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          IntVector v1 = (IntVector) q1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          IntVector v2 = (IntVector) q2.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          IntVector v3 = (IntVector) q3.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          s0 = ((FloatVector) v0.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, s0);
          s1 = ((FloatVector) v1.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, s1);
          s2 = ((FloatVector) v2.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, s2);
          s3 = ((FloatVector) v3.and(15).sub(8).convert(VectorOperators.I2F, 0)).fma(lo, s3);
          s0 =
              ((FloatVector)
                      v0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                  .fma(hi, s0);
          s1 =
              ((FloatVector)
                      v1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                  .fma(hi, s1);
          s2 =
              ((FloatVector)
                      v2.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                  .fma(hi, s2);
          s3 =
              ((FloatVector)
                      v3.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0))
                  .fma(hi, s3);
        }
      }
      acc0 = s0.fma(FloatVector.broadcast(F, scales[sa + b]), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, scales[sa + nb + b]), acc1);
      acc2 = s2.fma(FloatVector.broadcast(F, scales[sb + b]), acc2);
      acc3 = s3.fma(FloatVector.broadcast(F, scales[sb + nb + b]), acc3);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
  }

  /**
   * Eight rows of x against row r's quants, each block's nibbles widened once for the eight: on a
   * machine where one load holds a block's sixteen bytes in one part (512-bit vectors), in one
   * straight line, the same arithmetic per output as {@link #dotRows4}; two four-row calls
   * otherwise. Q8_0's is the same kernel around another widening: one shared kernel over a row
   * widened into memory first measured 10-20% slower for both (8 streams of the 135M shape).
   */
  @Override
  void dotRows8(float[] x, int xAt, int r, float[] sums) {
    if (!LINE) {
      super.dotRows8(x, xAt, r, sums);
      return;
    }
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z, acc4 = z, acc5 = z, acc6 = z, acc7 = z;
    int at = r * (cols / 2);
    for (int b = 0; b < nb; b++, at += HALF, xAt += BLOCK) {
      IntVector v =
          (IntVector)
              ByteVector.fromArray(B, q, at).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo = (FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi =
          (FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector d = FloatVector.broadcast(F, scales[r * nb + b]);
      FloatVector s0 = lo.fma(FloatVector.fromArray(F, x, xAt), z);
      acc0 = hi.fma(FloatVector.fromArray(F, x, xAt + HALF), s0).fma(d, acc0);
      FloatVector s1 = lo.fma(FloatVector.fromArray(F, x, xAt + cols), z);
      acc1 = hi.fma(FloatVector.fromArray(F, x, xAt + cols + HALF), s1).fma(d, acc1);
      FloatVector s2 = lo.fma(FloatVector.fromArray(F, x, xAt + 2 * cols), z);
      acc2 = hi.fma(FloatVector.fromArray(F, x, xAt + 2 * cols + HALF), s2).fma(d, acc2);
      FloatVector s3 = lo.fma(FloatVector.fromArray(F, x, xAt + 3 * cols), z);
      acc3 = hi.fma(FloatVector.fromArray(F, x, xAt + 3 * cols + HALF), s3).fma(d, acc3);
      FloatVector s4 = lo.fma(FloatVector.fromArray(F, x, xAt + 4 * cols), z);
      acc4 = hi.fma(FloatVector.fromArray(F, x, xAt + 4 * cols + HALF), s4).fma(d, acc4);
      FloatVector s5 = lo.fma(FloatVector.fromArray(F, x, xAt + 5 * cols), z);
      acc5 = hi.fma(FloatVector.fromArray(F, x, xAt + 5 * cols + HALF), s5).fma(d, acc5);
      FloatVector s6 = lo.fma(FloatVector.fromArray(F, x, xAt + 6 * cols), z);
      acc6 = hi.fma(FloatVector.fromArray(F, x, xAt + 6 * cols + HALF), s6).fma(d, acc6);
      FloatVector s7 = lo.fma(FloatVector.fromArray(F, x, xAt + 7 * cols), z);
      acc7 = hi.fma(FloatVector.fromArray(F, x, xAt + 7 * cols + HALF), s7).fma(d, acc7);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
    acc4.intoArray(sums, 4 * L);
    acc5.intoArray(sums, 5 * L);
    acc6.intoArray(sums, 6 * L);
    acc7.intoArray(sums, 7 * L);
  }

  @Override
  void dotRows4(float[] x, int xAt, int r, float[] sums) {
    if (LINE) {
      dotRows4Line(x, xAt, r, sums);
    } else {
      dotRows4Parts(x, xAt, r, sums);
    }
  }

  /** {@link #dotRows4} in one straight line, as {@link #dot4Line}. */
  private void dotRows4Line(float[] x, int xAt, int r, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    int at = r * (cols / 2);
    for (int b = 0; b < nb; b++, at += HALF, xAt += BLOCK) {
      IntVector v =
          (IntVector)
              ByteVector.fromArray(B, q, at).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
      FloatVector lo = (FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector hi =
          (FloatVector) v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
      FloatVector d = FloatVector.broadcast(F, scales[r * nb + b]);
      FloatVector s0 = lo.fma(FloatVector.fromArray(F, x, xAt), z);
      acc0 = hi.fma(FloatVector.fromArray(F, x, xAt + HALF), s0).fma(d, acc0);
      FloatVector s1 = lo.fma(FloatVector.fromArray(F, x, xAt + cols), z);
      acc1 = hi.fma(FloatVector.fromArray(F, x, xAt + cols + HALF), s1).fma(d, acc1);
      FloatVector s2 = lo.fma(FloatVector.fromArray(F, x, xAt + 2 * cols), z);
      acc2 = hi.fma(FloatVector.fromArray(F, x, xAt + 2 * cols + HALF), s2).fma(d, acc2);
      FloatVector s3 = lo.fma(FloatVector.fromArray(F, x, xAt + 3 * cols), z);
      acc3 = hi.fma(FloatVector.fromArray(F, x, xAt + 3 * cols + HALF), s3).fma(d, acc3);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
  }

  /** {@link #dotRows4} for any vector width. */
  void dotRows4Parts(float[] x, int xAt, int r, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int at = r * (cols / 2);
    int x0 = xAt, x1 = xAt + cols, x2 = xAt + 2 * cols, x3 = xAt + 3 * cols;
    for (int b = 0; b < nb; b++, at += HALF, x0 += BLOCK, x1 += BLOCK, x2 += BLOCK, x3 += BLOCK) {
      FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
      for (int j = 0; j < HALF; j += B.length()) {
        ByteVector bytes = ByteVector.fromArray(B, q, at + j);
        for (int p = 0; p < PARTS; p++) {
          IntVector v = (IntVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
          FloatVector lo = (FloatVector) v.and(15).sub(8).convert(VectorOperators.I2F, 0);
          FloatVector hi =
              (FloatVector)
                  v.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0);
          int l = j + p * L;
          int h = HALF + j + p * L;
          s0 =
              hi.fma(
                  FloatVector.fromArray(F, x, x0 + h),
                  lo.fma(FloatVector.fromArray(F, x, x0 + l), s0));
          s1 =
              hi.fma(
                  FloatVector.fromArray(F, x, x1 + h),
                  lo.fma(FloatVector.fromArray(F, x, x1 + l), s1));
          s2 =
              hi.fma(
                  FloatVector.fromArray(F, x, x2 + h),
                  lo.fma(FloatVector.fromArray(F, x, x2 + l), s2));
          s3 =
              hi.fma(
                  FloatVector.fromArray(F, x, x3 + h),
                  lo.fma(FloatVector.fromArray(F, x, x3 + l), s3));
        }
      }
      FloatVector d = FloatVector.broadcast(F, scales[r * nb + b]);
      acc0 = s0.fma(d, acc0);
      acc1 = s1.fma(d, acc1);
      acc2 = s2.fma(d, acc2);
      acc3 = s3.fma(d, acc3);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
  }

  /**
   * No: unpacking the nibbles covers the loads; Q4_0 decode ran 5-9% slower with the touch (135M
   * shape, 2 threads, a Xeon), and 7-15% slower with two rows from each half.
   */
  @Override
  boolean touchAhead() {
    return false;
  }

  /** The bytes (rows, cols / 2), held as they are: for the packed GEMM, which reads not writes. */
  @Override
  byte[] values() {
    return q;
  }
}
