package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each ggml block type against a double-precision reference written here, value by value, from the
 * format's definition (llama.cpp {@code ggml-common.h}, {@code block_q8_0}, {@code block_q4_0},
 * {@code block_q4_K}, {@code block_q6_K}), on random blocks and blocks of edge values (extreme
 * quants, largest/negative/subnormal/zero scales, 6-bit scales with their high bits set); and one
 * K-quant block of each type whose values were worked out by hand.
 */
class GgufQuantsTest {

  private static final short F16_ONE = 0x3C00;
  private static final short F16_HALF = 0x3800;
  private static final short F16_TWO = 0x4000;
  private static final short F16_MAX = 0x7BFF; // 65504
  private static final short F16_MIN_SUBNORMAL = 0x0001; // 2^-24
  private static final short F16_MINUS_THREE_QUARTERS = (short) 0xBA00; // -0.75

  // ---- references: one value at a time, in double ----

  /** Q8_0 value i of a block: d · (int8) byte[2 + i]. */
  private static double refQ8_0(byte[] b, int i) {
    return half(b, 0) * b[2 + i];
  }

  /** Q4_0 value i: nibble i%16 of the 16 bytes after d, low nibble for i < 16; (q - 8) · d. */
  private static double refQ4_0(byte[] b, int i) {
    int q = i < 16 ? b[2 + i] & 0x0F : (b[2 + i - 16] & 0xF0) >>> 4;
    return (q - 8) * half(b, 0);
  }

  /**
   * Q4_K value i: sub-block s = i / 32 uses 6-bit scale and min: for s &lt; 4 the low 6 bits of
   * scales[s] and scales[s+4]; otherwise 4 bits of scales[s+4] (low for the scale, high for the
   * min) plus, as bits 4-5, the top 2 bits of scales[s-4] (scale) and scales[s] (min). Its quant is
   * a nibble of qs[32·(s/2) + i%32], low for even s. value = d·scale·q - dmin·min.
   */
  private static double refQ4_K(byte[] b, int i) {
    int s = i / 32;
    int[] sc = new int[12];
    for (int k = 0; k < 12; k++) {
      sc[k] = b[4 + k] & 0xFF;
    }
    int scale;
    int min;
    if (s < 4) {
      scale = sc[s] % 64;
      min = sc[s + 4] % 64;
    } else {
      scale = sc[s + 4] % 16 + 16 * (sc[s - 4] / 64);
      min = sc[s + 4] / 16 + 16 * (sc[s] / 64);
    }
    int byteValue = b[16 + 32 * (s / 2) + i % 32] & 0xFF;
    int q = s % 2 == 0 ? byteValue % 16 : byteValue / 16;
    return half(b, 0) * scale * q - half(b, 2) * min;
  }

  /**
   * Q6_K value i: half h = i / 128, r = i % 128, l = r % 32, quarter k = r / 32. Its low 4 bits are
   * a nibble of ql[64h + l + 32·(k%2)] (low for k &lt; 2), its high 2 bits are bits 2k..2k+1 of
   * qh[32h + l], its scale is int8 scales[8h + 2k + l/16]; value = d · scale · (q - 32).
   */
  private static double refQ6_K(byte[] b, int i) {
    int h = i / 128;
    int r = i % 128;
    int l = r % 32;
    int k = r / 32;
    int lowByte = b[64 * h + l + 32 * (k % 2)] & 0xFF;
    int low = k < 2 ? lowByte % 16 : lowByte / 16;
    int high = ((b[128 + 32 * h + l] & 0xFF) >> (2 * k)) % 4;
    int scale = b[192 + 8 * h + 2 * k + l / 16];
    return half(b, 208) * scale * (low + 16 * high - 32);
  }

  private interface Reference {
    double value(byte[] block, int i);
  }

  /** Dequantizes {@code blocks} blocks through {@link GgufQuants} and checks every value. */
  private static void check(GgmlType type, byte[] data, Reference ref) {
    int blocks = data.length / type.blockBytes;
    float[] out = new float[blocks * type.blockValues];
    GgufQuants.dequantize(type, MemorySegment.ofArray(data), 0, out);
    for (int blk = 0; blk < blocks; blk++) {
      byte[] b = new byte[type.blockBytes];
      System.arraycopy(data, blk * type.blockBytes, b, 0, b.length);
      for (int i = 0; i < type.blockValues; i++) {
        double expected = ref.value(b, i);
        double got = out[blk * type.blockValues + i];
        assertThat(Math.abs(got - expected))
            .as("%s block %d value %d: got %s, expected %s", type, blk, i, got, expected)
            .isLessThanOrEqualTo(1e-6 * Math.max(1, Math.abs(expected)) + 1e-6 * bound(b, type));
      }
    }
  }

  /** Magnitude of the block's largest term, so float rounding of a difference is allowed for. */
  private static double bound(byte[] b, GgmlType type) {
    return switch (type) {
      case Q4_K -> Math.abs(half(b, 0)) * 63 * 15 + Math.abs(half(b, 2)) * 63;
      default -> 0;
    };
  }

  private static byte[] random(GgmlType type, int blocks, long seed, short... scales) {
    Random r = new Random(seed);
    byte[] data = new byte[blocks * type.blockBytes];
    r.nextBytes(data);
    for (int blk = 0; blk < blocks; blk++) {
      int at = blk * type.blockBytes;
      short d = scales[blk % scales.length];
      switch (type) {
        case Q8_0, Q4_0 -> putHalf(data, at, d);
        case Q4_K -> {
          putHalf(data, at, d);
          putHalf(data, at + 2, scales[(blk + 1) % scales.length]);
        }
        case Q6_K -> putHalf(data, at + 208, d);
        default -> throw new AssertionError(type);
      }
    }
    return data;
  }

  private static final short[] SCALES = {
    F16_ONE, F16_MAX, F16_MIN_SUBNORMAL, F16_MINUS_THREE_QUARTERS, 0, 0x2E66 /* ≈0.1 */
  };

  @Test
  void q8_0MatchesTheReferenceOnRandomAndExtremeBlocks() {
    check(GgmlType.Q8_0, random(GgmlType.Q8_0, 7, 1, SCALES), GgufQuantsTest::refQ8_0);
    byte[] extreme = new byte[GgmlType.Q8_0.blockBytes];
    putHalf(extreme, 0, F16_MAX);
    for (int i = 0; i < 32; i++) {
      extreme[2 + i] = (byte) (i % 2 == 0 ? -128 : 127);
    }
    check(GgmlType.Q8_0, extreme, GgufQuantsTest::refQ8_0);
    float[] out = new float[32];
    GgufQuants.dequantize(GgmlType.Q8_0, MemorySegment.ofArray(extreme), 0, out);
    assertThat(out[0]).isEqualTo(-128 * 65504f);
    assertThat(out[1]).isEqualTo(127 * 65504f);
  }

  @Test
  void q4_0MatchesTheReferenceAndPutsLowNibblesFirst() {
    check(GgmlType.Q4_0, random(GgmlType.Q4_0, 5, 2, SCALES), GgufQuantsTest::refQ4_0);
    byte[] b = new byte[GgmlType.Q4_0.blockBytes];
    putHalf(b, 0, F16_HALF);
    b[2] = (byte) 0xF0; // value 0: nibble 0 -> (0-8)·0.5 = -4; value 16: nibble 15 -> 3.5
    b[3] = 0x08; // value 1: 0; value 17: -4
    float[] out = new float[32];
    GgufQuants.dequantize(GgmlType.Q4_0, MemorySegment.ofArray(b), 0, out);
    assertThat(out[0]).isEqualTo(-4f);
    assertThat(out[16]).isEqualTo(3.5f);
    assertThat(out[1]).isEqualTo(0f);
    assertThat(out[17]).isEqualTo(-4f);
  }

  @Test
  void q4_KMatchesTheReferenceOnRandomBlocksWithEveryScaleBitSet() {
    check(GgmlType.Q4_K, random(GgmlType.Q4_K, 5, 3, SCALES), GgufQuantsTest::refQ4_K);
    byte[] all = new byte[GgmlType.Q4_K.blockBytes];
    java.util.Arrays.fill(all, (byte) 0xFF); // scales and mins 63, quants 15
    putHalf(all, 0, F16_ONE);
    putHalf(all, 2, F16_HALF);
    check(GgmlType.Q4_K, all, GgufQuantsTest::refQ4_K);
    float[] out = new float[256];
    GgufQuants.dequantize(GgmlType.Q4_K, MemorySegment.ofArray(all), 0, out);
    assertThat(out).containsOnly(63 * 15 - 0.5f * 63);
  }

  /**
   * Worked by hand from the block_q4_K definition (d = 1, dmin = 0.5): sub-block 0 has scale =
   * scales[0] & 63 = 1, min = scales[4] & 63 = 2; sub-block 5 has scale = (scales[9] & 15) |
   * (scales[1] >> 6) << 4 = 1 + 16 = 17 and min = (scales[9] >> 4) | (scales[5] >> 6) << 4 = 2 + 32
   * = 34; sub-block 1's scale and min are the low 6 bits of scales[1] and scales[5], both 0.
   * Sub-block 5 is the high nibbles of qs[64..95].
   */
  @Test
  void q4_KBlockWorkedByHand() {
    byte[] b = new byte[GgmlType.Q4_K.blockBytes];
    putHalf(b, 0, F16_ONE);
    putHalf(b, 2, F16_HALF);
    b[4] = 1; // scales[0]
    b[4 + 1] = 0x40; // scales[1]: top bits 01
    b[4 + 4] = 2; // scales[4]
    b[4 + 5] = (byte) 0x80; // scales[5]: top bits 10
    b[4 + 9] = 0x21; // scales[9]: low nibble 1, high nibble 2
    b[16] = 0x07; // qs[0]: value 0 has q = 7, value 32 has q = 0
    b[16 + 67] = (byte) 0xA0; // qs[67]: value 5·32 + 3 = 163 has q = 10
    float[] y = new float[256];
    GgufQuants.dequantize(GgmlType.Q4_K, MemorySegment.ofArray(b), 0, y);
    assertThat(y[0]).isEqualTo(6f); // 1·1·7 - 0.5·2
    assertThat(y[1]).isEqualTo(-1f); // 1·1·0 - 0.5·2
    assertThat(y[32]).isEqualTo(0f); // sub-block 1: 0·0 - 0.5·0
    assertThat(y[163]).isEqualTo(153f); // 1·17·10 - 0.5·34
    assertThat(y[160]).isEqualTo(-17f); // 1·17·0 - 0.5·34
  }

  @Test
  void q6_KMatchesTheReferenceOnRandomBlocks() {
    check(GgmlType.Q6_K, random(GgmlType.Q6_K, 5, 4, SCALES), GgufQuantsTest::refQ6_K);
  }

  /**
   * Worked by hand from the block_q6_K definition (d = 2): value 0 takes the low nibble of ql[0]
   * (5) and bits 0-1 of qh[0] (2): q = 5 + 32 - 32 = 5, scale scales[0] = 3, so 2·3·5 = 30. Value
   * 32 takes ql[32]'s low nibble (0) and qh[0] bits 2-3 (0): q = -32, scale scales[2] = -1: 64.
   * Value 64 is ql[0]'s high nibble (0), qh[0] bits 4-5 (0), scale scales[4] = 1: -64. Value 145 is
   * in the second half (l = 17): ql[64 + 17] low nibble 15, qh[32 + 17] bits 0-1 = 3, so q = 63 -
   * 32 = 31, scale scales[8 + 1] = 127: 2·127·31 = 7874.
   */
  @Test
  void q6_KBlockWorkedByHand() {
    byte[] b = new byte[GgmlType.Q6_K.blockBytes];
    b[0] = 0x05; // ql[0]
    b[128] = 0x02; // qh[0]
    b[192] = 3; // scales[0]
    b[192 + 2] = -1; // scales[2]
    b[192 + 4] = 1; // scales[4]
    b[64 + 17] = 0x0F; // ql[81]
    b[128 + 32 + 17] = 0x03; // qh[49]
    b[192 + 9] = 127; // scales[9]
    putHalf(b, 208, F16_TWO);
    float[] y = new float[256];
    GgufQuants.dequantize(GgmlType.Q6_K, MemorySegment.ofArray(b), 0, y);
    assertThat(y[0]).isEqualTo(30f);
    assertThat(y[1]).isEqualTo(-192f); // q = -32, scale 3
    assertThat(y[32]).isEqualTo(64f);
    assertThat(y[64]).isEqualTo(-64f);
    assertThat(y[145]).isEqualTo(7874f);
  }

  @Test
  void f16AndBf16WidenExactly() {
    byte[] b = new byte[8];
    putHalf(b, 0, F16_MAX);
    putHalf(b, 2, F16_MIN_SUBNORMAL);
    putHalf(b, 4, (short) 0x3F80); // bf16 1.0
    putHalf(b, 6, (short) 0xC040); // bf16 -3.0
    float[] f16 = new float[2];
    GgufQuants.dequantize(GgmlType.F16, MemorySegment.ofArray(b), 0, f16);
    assertThat(f16).containsExactly(65504f, (float) Math.pow(2, -24));
    float[] bf16 = new float[2];
    GgufQuants.dequantize(GgmlType.BF16, MemorySegment.ofArray(b), 4, bf16);
    assertThat(bf16).containsExactly(1f, -3f);
  }

  /** The f16 at {@code b[at..at+2)}, little-endian, decoded from its bits (not through the JDK). */
  private static double half(byte[] b, int at) {
    int bits = (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    int sign = bits >> 15 == 0 ? 1 : -1;
    int exponent = (bits >> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0) {
      return sign * mantissa * Math.pow(2, -24);
    }
    return sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
  }

  private static void putHalf(byte[] b, int at, short bits) {
    b[at] = (byte) bits;
    b[at + 1] = (byte) (bits >> 8);
  }
}
