package dev.lathe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * A weight matrix [rows, cols] in Q8_0, GGUF's 8-bit format: per block of {@link #BLOCK} values,
 * {@link #BLOCK} signed bytes {@code q} and one f16 scale {@code d}. {@link #quantize} rounds as
 * ggml's reference quantizer, so a matrix quantized on load and one written to GGUF hold the same
 * blocks llama.cpp would. The weights stream at a bit over a byte per value (a quarter of f32); the
 * products are {@link BlockMatrix}'s.
 */
public final class Q8Matrix extends BlockMatrix {
  private final byte[] q; // (rows, cols)

  private Q8Matrix(byte[] q, float[] scales, int rows, int cols) {
    super("Q8_0", scales, rows, cols);
    this.q = q;
  }

  /**
   * Holds {@code q} (rows, cols) and {@code scales} (rows, cols / 32) as they are, e.g. a GGUF Q8_0
   * tensor's blocks. Each scale must be an f16 value.
   */
  public static Q8Matrix of(byte[] q, float[] scales, int rows, int cols) {
    checkHeld("Q8_0", q, BLOCK, scales, rows, cols);
    return new Q8Matrix(q, scales, rows, cols);
  }

  /**
   * Quantizes {@code w} (rows, cols) to Q8_0 as ggml's reference {@code quantize_row_q8_0_ref}: per
   * block, {@code d = max|x| / 127} stored as f16, and each value becomes {@code x * (1 / d)}, the
   * product rounded to f32 and then to the nearest integer, halves away from zero (C's {@code
   * roundf}: -2.5 gives -3, where {@link Math#round} would give -2). The reciprocal is taken as 0
   * when d is 0, and also when it overflows f32 (d below about 2.9e-39): the reference then
   * converts infinities to int8, which C leaves undefined and x86 turns into 0, and the block's f16
   * scale is 0 either way. A NaN value makes its block's scale NaN (the reference's {@code MAX}
   * keeps or drops a NaN depending on where it stands). cols must be a multiple of 32.
   */
  public static Q8Matrix quantize(float[] w, int rows, int cols) {
    checkWeights("Q8_0", w, rows, cols);
    byte[] q = new byte[w.length];
    float[] scales = new float[w.length / BLOCK];
    for (int b = 0; b < scales.length; b++) {
      int at = b * BLOCK;
      float amax = 0;
      for (int i = at; i < at + BLOCK; i++) {
        amax = Math.max(amax, Math.abs(w[i]));
      }
      float d = amax / 127f;
      float id = 1f / d;
      if (!Float.isFinite(id)) {
        id = 0f;
      }
      scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
      for (int i = at; i < at + BLOCK; i++) {
        q[i] = (byte) roundHalfAway(w[i] * id);
      }
    }
    return new Q8Matrix(q, scales, rows, cols);
  }

  /** {@code v} rounded to the nearest integer, halves away from zero (C's {@code roundf}). */
  private static int roundHalfAway(float v) {
    int r = Math.round(Math.abs(v)); // halves up, which for |v| is away from zero
    return v < 0 ? -r : r;
  }

  @Override
  int quant(int i) {
    return q[i];
  }

  /** Bytes held: one per value and four per block scale. */
  @Override
  public long bytes() {
    return q.length + 4L * scales.length;
  }

  @Override
  void dot4(float[] x, int xAt, int ra, int rb, float[] sums) {
    if (LINE) {
      dot4Halves(x, xAt, ra, rb, sums);
    } else {
      dot4Parts(x, xAt, ra, rb, sums);
    }
  }

  private void dot4Halves(float[] x, int xAt, int ra, int rb, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    int at = ra * cols;
    int bt = rb * cols;
    int sa = ra * nb;
    int sb = rb * nb;
    for (int b = 0; b < nb; b++, at += BLOCK, bt += BLOCK, xAt += BLOCK) {
      FloatVector xv = FloatVector.fromArray(F, x, xAt);
      FloatVector s0 = wide(q, at).fma(xv, z);
      FloatVector s1 = wide(q, at + cols).fma(xv, z);
      FloatVector s2 = wide(q, bt).fma(xv, z);
      FloatVector s3 = wide(q, bt + cols).fma(xv, z);
      xv = FloatVector.fromArray(F, x, xAt + L);
      s0 = wide(q, at + L).fma(xv, s0);
      s1 = wide(q, at + cols + L).fma(xv, s1);
      s2 = wide(q, bt + L).fma(xv, s2);
      s3 = wide(q, bt + cols + L).fma(xv, s3);
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
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int at = ra * cols;
    int bt = rb * cols;
    int sa = ra * nb;
    int sb = rb * nb;
    for (int b = 0; b < nb; b++, at += BLOCK, bt += BLOCK, xAt += BLOCK) {
      FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector q0 = ByteVector.fromArray(B, q, at + j);
        ByteVector q1 = ByteVector.fromArray(B, q, at + cols + j);
        ByteVector q2 = ByteVector.fromArray(B, q, bt + j);
        ByteVector q3 = ByteVector.fromArray(B, q, bt + cols + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector xv = FloatVector.fromArray(F, x, xAt + j + p * L);
          s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).fma(xv, s0);
          s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).fma(xv, s1);
          s2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).fma(xv, s2);
          s3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).fma(xv, s3);
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
   * Sixteen quants at {@code at} widened to floats (exact). It returns a vector, which a call left
   * un-inlined would box; at 32 bytes of bytecode it is under the JIT's size for always inlining
   * (35), and the decode allocation tests hold it to that.
   */
  private static FloatVector wide(byte[] q, int at) {
    return (FloatVector)
        ((IntVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2I, MatVec.I, 0))
            .convert(VectorOperators.I2F, 0);
  }

  @Override
  void dot(float[] x, int xAt, int r, float[] lanes) {
    if (LINE) {
      dotHalves(x, xAt, r, lanes);
    } else {
      dotParts(x, xAt, r, lanes);
    }
  }

  private void dotHalves(float[] x, int xAt, int r, float[] lanes) {
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc = z;
    int at = r * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, xAt += BLOCK) {
      FloatVector s = wide(q, at).fma(FloatVector.fromArray(F, x, xAt), z);
      s = wide(q, at + L).fma(FloatVector.fromArray(F, x, xAt + L), s);
      acc = s.fma(FloatVector.broadcast(F, scales[r * nb + b]), acc);
    }
    acc.intoArray(lanes, 0);
  }

  /** {@link #dot} for any vector width: loads of {@link #B}, each widened in parts. */
  void dotParts(float[] x, int xAt, int r, float[] lanes) {
    int nb = cols / BLOCK;
    FloatVector acc = FloatVector.zero(F);
    int at = r * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, xAt += BLOCK) {
      FloatVector s = FloatVector.zero(F);
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector bytes = ByteVector.fromArray(B, q, at + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector wv = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, p);
          s = wv.fma(FloatVector.fromArray(F, x, xAt + j + p * L), s);
        }
      }
      acc = s.fma(FloatVector.broadcast(F, scales[r * nb + b]), acc);
    }
    acc.intoArray(lanes, 0);
  }

  @Override
  void dotRows4(float[] x, int xAt, int r, float[] sums) {
    if (LINE) {
      dotRows4Halves(x, xAt, r, sums);
    } else {
      dotRows4Parts(x, xAt, r, sums);
    }
  }

  private void dotRows4Halves(float[] x, int xAt, int r, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z;
    int at = r * cols;
    int x0 = xAt, x1 = xAt + cols, x2 = xAt + 2 * cols, x3 = xAt + 3 * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, x0 += BLOCK, x1 += BLOCK, x2 += BLOCK, x3 += BLOCK) {
      FloatVector lo = wide(q, at);
      FloatVector hi = wide(q, at + L);
      FloatVector s0 =
          hi.fma(FloatVector.fromArray(F, x, x0 + L), lo.fma(FloatVector.fromArray(F, x, x0), z));
      FloatVector s1 =
          hi.fma(FloatVector.fromArray(F, x, x1 + L), lo.fma(FloatVector.fromArray(F, x, x1), z));
      FloatVector s2 =
          hi.fma(FloatVector.fromArray(F, x, x2 + L), lo.fma(FloatVector.fromArray(F, x, x2), z));
      FloatVector s3 =
          hi.fma(FloatVector.fromArray(F, x, x3 + L), lo.fma(FloatVector.fromArray(F, x, x3), z));
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

  @Override
  void dotRows8(float[] x, int xAt, int r, float[] sums) {
    if (!LINE) {
      super.dotRows8(x, xAt, r, sums);
      return;
    }
    int nb = cols / BLOCK;
    FloatVector z = FloatVector.zero(F);
    FloatVector acc0 = z, acc1 = z, acc2 = z, acc3 = z, acc4 = z, acc5 = z, acc6 = z, acc7 = z;
    int at = r * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, xAt += BLOCK) {
      FloatVector lo = wide(q, at);
      FloatVector hi = wide(q, at + L);
      FloatVector d = FloatVector.broadcast(F, scales[r * nb + b]);
      FloatVector s0 = lo.fma(FloatVector.fromArray(F, x, xAt), z);
      acc0 = hi.fma(FloatVector.fromArray(F, x, xAt + L), s0).fma(d, acc0);
      FloatVector s1 = lo.fma(FloatVector.fromArray(F, x, xAt + cols), z);
      acc1 = hi.fma(FloatVector.fromArray(F, x, xAt + cols + L), s1).fma(d, acc1);
      FloatVector s2 = lo.fma(FloatVector.fromArray(F, x, xAt + 2 * cols), z);
      acc2 = hi.fma(FloatVector.fromArray(F, x, xAt + 2 * cols + L), s2).fma(d, acc2);
      FloatVector s3 = lo.fma(FloatVector.fromArray(F, x, xAt + 3 * cols), z);
      acc3 = hi.fma(FloatVector.fromArray(F, x, xAt + 3 * cols + L), s3).fma(d, acc3);
      FloatVector s4 = lo.fma(FloatVector.fromArray(F, x, xAt + 4 * cols), z);
      acc4 = hi.fma(FloatVector.fromArray(F, x, xAt + 4 * cols + L), s4).fma(d, acc4);
      FloatVector s5 = lo.fma(FloatVector.fromArray(F, x, xAt + 5 * cols), z);
      acc5 = hi.fma(FloatVector.fromArray(F, x, xAt + 5 * cols + L), s5).fma(d, acc5);
      FloatVector s6 = lo.fma(FloatVector.fromArray(F, x, xAt + 6 * cols), z);
      acc6 = hi.fma(FloatVector.fromArray(F, x, xAt + 6 * cols + L), s6).fma(d, acc6);
      FloatVector s7 = lo.fma(FloatVector.fromArray(F, x, xAt + 7 * cols), z);
      acc7 = hi.fma(FloatVector.fromArray(F, x, xAt + 7 * cols + L), s7).fma(d, acc7);
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

  /** {@link #dotRows4} for any vector width. */
  void dotRows4Parts(float[] x, int xAt, int r, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int at = r * cols;
    int x0 = xAt, x1 = xAt + cols, x2 = xAt + 2 * cols, x3 = xAt + 3 * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, x0 += BLOCK, x1 += BLOCK, x2 += BLOCK, x3 += BLOCK) {
      FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector bytes = ByteVector.fromArray(B, q, at + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector wv = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, p);
          int o = j + p * L;
          s0 = wv.fma(FloatVector.fromArray(F, x, x0 + o), s0);
          s1 = wv.fma(FloatVector.fromArray(F, x, x1 + o), s1);
          s2 = wv.fma(FloatVector.fromArray(F, x, x2 + o), s2);
          s3 = wv.fma(FloatVector.fromArray(F, x, x3 + o), s3);
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
   * Yes: Q8_0 decode on 2 threads, 80-84 against 92-97 tok/s with the touch when the four rows were
   * adjacent, 110-112 against 118-121 with two rows from each half (135M shape, a Xeon).
   */
  @Override
  boolean touchAhead() {
    return true;
  }

  /** The values q (rows, cols), held as they are: for the packed GEMM, which reads not writes. */
  @Override
  byte[] values() {
    return q;
  }
}
