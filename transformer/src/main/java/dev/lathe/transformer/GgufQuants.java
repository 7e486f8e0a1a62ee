package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;
import dev.lathe.tensor.BlockMatrix;
import dev.lathe.tensor.Q4Matrix;
import dev.lathe.tensor.Q8Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Dequantizes ggml tensor data to f32, one block at a time, written from the block layouts of
 * llama.cpp's {@code ggml-common.h} and the reference {@code dequantize_row_*} of {@code
 * ggml-quants.c}. All multi-byte fields are little-endian; every scale is an IEEE f16.
 */
final class GgufQuants {
  private GgufQuants() {}

  private static final ValueLayout.OfShort I16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Fills {@code out} with the {@code out.length} values of {@code type} stored at {@code at}. */
  static void dequantize(GgmlType type, MemorySegment src, long at, float[] out) {
    int n = out.length;
    switch (type) {
      case F32 -> MemorySegment.copy(src, F32, at, out, 0, n);
      case F16, BF16 -> {
        short[] raw = new short[n];
        MemorySegment.copy(src, I16, at, raw, 0, n);
        for (int i = 0; i < n; i++) {
          out[i] = type == GgmlType.BF16 ? Bf16.toFloat(raw[i]) : Float.float16ToFloat(raw[i]);
        }
      }
      default -> {
        byte[] b = new byte[type.blockBytes];
        for (int block = 0; block < n / type.blockValues; block++) {
          MemorySegment.copy(
              src, ValueLayout.JAVA_BYTE, at + (long) block * type.blockBytes, b, 0, b.length);
          int y = block * type.blockValues;
          switch (type) {
            case Q8_0 -> q8_0(b, out, y);
            case Q4_0 -> q4_0(b, out, y);
            case Q4_K -> q4_K(b, out, y);
            case Q6_K -> q6_K(b, out, y);
            default -> throw new AssertionError(type);
          }
        }
      }
    }
  }

  /**
   * The {@code rows x cols} values of {@code type} (Q8_0 or Q4_0) stored at {@code at}, held as
   * their blocks: each block's quants as they are and its f16 scale widened to f32.
   */
  static BlockMatrix blocks(GgmlType type, MemorySegment src, long at, int rows, int cols) {
    int n = rows * cols;
    int blocks = n / type.blockValues;
    float[] scales = new float[blocks];
    int quantBytes = type.blockBytes - 2;
    byte[] q = new byte[blocks * quantBytes];
    for (int b = 0; b < blocks; b++) {
      long from = at + (long) b * type.blockBytes;
      scales[b] = Float.float16ToFloat(src.get(I16, from));
      MemorySegment.copy(src, ValueLayout.JAVA_BYTE, from + 2, q, b * quantBytes, quantBytes);
    }
    return switch (type) {
      case Q8_0 -> Q8Matrix.of(q, scales, rows, cols);
      case Q4_0 -> Q4Matrix.of(q, scales, rows, cols);
      default ->
          throw new IllegalArgumentException(
              type + " is not held as blocks: only Q8_0 and Q4_0 are (dequantize it instead)");
    };
  }

  /**
   * Quantizes {@code n} values (whole blocks of 32) of {@code x} from {@code from} to Q8_0 blocks
   * appended to {@code out}, by {@link Q8Matrix#quantize} (ggml's reference rounding), the one
   * quantizer a matrix quantized on load also goes through.
   */
  static void quantizeQ8_0(float[] x, int from, int n, ByteBuffer out) {
    Q8Matrix.quantize(Arrays.copyOfRange(x, from, from + n), 1, n).writeBlocks(out);
  }

  /**
   * Quantizes {@code n} values (whole blocks of 32) of {@code x} from {@code from} to Q4_0 blocks
   * appended to {@code out}, by {@link Q4Matrix#quantize} (ggml's reference rounding).
   */
  static void quantizeQ4_0(float[] x, int from, int n, ByteBuffer out) {
    Q4Matrix.quantize(Arrays.copyOfRange(x, from, from + n), 1, n).writeBlocks(out);
  }

  /** Q8_0: {@code half d; int8 qs[32]}; y[j] = d·qs[j]. */
  static void q8_0(byte[] b, float[] y, int o) {
    float d = f16(b, 0);
    for (int j = 0; j < 32; j++) {
      y[o + j] = d * b[2 + j];
    }
  }

  /**
   * Q4_0: {@code half d; uint8 qs[16]}; byte j holds value j in its low nibble and value j+16 in
   * its high nibble, each (q - 8)·d.
   */
  static void q4_0(byte[] b, float[] y, int o) {
    float d = f16(b, 0);
    for (int j = 0; j < 16; j++) {
      int q = b[2 + j] & 0xff;
      y[o + j] = ((q & 0xf) - 8) * d;
      y[o + j + 16] = ((q >> 4) - 8) * d;
    }
  }

  /**
   * Q4_K: {@code half d; half dmin; uint8 scales[12]; uint8 qs[128]}, 8 sub-blocks of 32 values.
   * Sub-block s has a 6-bit scale sc and min m ({@link #scaleMinK4}); its values are d·sc·q -
   * dmin·m. The 128 bytes of qs are four 32-byte groups; group g holds sub-block 2g in its low
   * nibbles and sub-block 2g+1 in its high nibbles.
   */
  static void q4_K(byte[] b, float[] y, int o) {
    float d = f16(b, 0);
    float dmin = f16(b, 2);
    int[] sm = new int[2];
    for (int g = 0; g < 4; g++) {
      scaleMinK4(2 * g, b, 4, sm);
      float d1 = d * sm[0];
      float m1 = dmin * sm[1];
      scaleMinK4(2 * g + 1, b, 4, sm);
      float d2 = d * sm[0];
      float m2 = dmin * sm[1];
      for (int l = 0; l < 32; l++) {
        int q = b[16 + 32 * g + l] & 0xff;
        y[o + 64 * g + l] = d1 * (q & 0xf) - m1;
        y[o + 64 * g + 32 + l] = d2 * (q >> 4) - m2;
      }
    }
  }

  /**
   * The 6-bit scale and min of sub-block j (0..7) packed in the 12 bytes at {@code s[at..]}: for j
   * &lt; 4 the low 6 bits of bytes j and j+4; for j ≥ 4 the nibbles of byte j+4 (low: scale, high:
   * min) topped by the 2 high bits of bytes j-4 (scale) and j (min).
   */
  static void scaleMinK4(int j, byte[] s, int at, int[] scaleMin) {
    int[] q = new int[12];
    for (int i = 0; i < 12; i++) {
      q[i] = s[at + i] & 0xff;
    }
    if (j < 4) {
      scaleMin[0] = q[j] & 63;
      scaleMin[1] = q[j + 4] & 63;
    } else {
      scaleMin[0] = (q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4);
      scaleMin[1] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
  }

  /**
   * Q6_K: {@code uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d}, 16 sub-blocks of 16 values,
   * each value a 6-bit q (low 4 bits in ql, high 2 in qh) with y = d·scale·(q - 32). The block is
   * two halves of 128 values, each using 64 bytes of ql, 32 of qh and 8 scales: for l in 0..31,
   * value l takes the low nibble of ql[l] and bits 0-1 of qh[l]; value l+32 the low nibble of
   * ql[l+32] and bits 2-3; value l+64 the high nibble of ql[l] and bits 4-5; value l+96 the high
   * nibble of ql[l+32] and bits 6-7. Value v of the half uses scale v/16.
   */
  static void q6_K(byte[] b, float[] y, int o) {
    float d = f16(b, 208);
    for (int half = 0; half < 2; half++) {
      int ql = 64 * half;
      int qh = 128 + 32 * half;
      int sc = 192 + 8 * half;
      int yo = o + 128 * half;
      for (int l = 0; l < 32; l++) {
        int h = b[qh + l] & 0xff;
        int lo0 = b[ql + l] & 0xff;
        int lo1 = b[ql + l + 32] & 0xff;
        int q1 = ((lo0 & 0xf) | ((h & 3) << 4)) - 32;
        int q2 = ((lo1 & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        int q3 = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
        int q4 = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
        int s = l / 16;
        y[yo + l] = d * b[sc + s] * q1;
        y[yo + l + 32] = d * b[sc + s + 2] * q2;
        y[yo + l + 64] = d * b[sc + s + 4] * q3;
        y[yo + l + 96] = d * b[sc + s + 6] * q4;
      }
    }
  }

  private static float f16(byte[] b, int at) {
    return Float.float16ToFloat((short) ((b[at] & 0xff) | (b[at + 1] << 8)));
  }
}
