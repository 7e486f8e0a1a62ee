package dev.lathe.tensor;

import jdk.incubator.vector.ShortVector;

/**
 * bfloat16 conversions. A bf16 value is the upper 16 bits of an IEEE f32, held in a {@code short}:
 * widening is exact ({@code bits << 16}); narrowing rounds to nearest, ties to even, and keeps NaN
 * a (quiet) NaN.
 */
public final class Bf16 {
  private Bf16() {}

  /** Widens one bf16 value to f32 (exact). */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat(bits << 16);
  }

  /** Narrows one f32 to bf16, rounding to nearest even; NaN stays NaN, infinities stay infinite. */
  public static short fromFloat(float value) {
    int x = Float.floatToRawIntBits(value);
    if ((x & 0x7fff_ffff) > 0x7f80_0000) {
      return (short) ((x >>> 16) | 0x0040); // NaN: keep sign and payload top, force quiet bit
    }
    int lsb = (x >>> 16) & 1;
    return (short) ((x + 0x7fff + lsb) >>> 16);
  }

  /** Narrows {@code n} floats {@code src[srcOff..]} into {@code dst[dstOff..]}. */
  public static void fromFloat(float[] src, int srcOff, short[] dst, int dstOff, int n) {
    java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
    java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = fromFloat(src[srcOff + i]);
    }
  }

  /**
   * Widens {@code n} bf16 values {@code src[srcOff..]} into {@code dst[dstOff..]}: whole vectors
   * (widened in registers as the bf16 products do), then the rest one by one; exact either way.
   */
  public static void toFloat(short[] src, int srcOff, float[] dst, int dstOff, int n) {
    java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
    java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
    int i = 0;
    for (int bound = n - n % MatVec.L; i < bound; i += MatVec.L) {
      MatVec.widen(ShortVector.fromArray(MatVec.H, src, srcOff + i)).intoArray(dst, dstOff + i);
    }
    for (; i < n; i++) {
      dst[dstOff + i] = toFloat(src[srcOff + i]);
    }
  }

  /** The scalar twin of {@link #toFloat(short[], int, float[], int, int)}, for its tests. */
  static void toFloatScalar(short[] src, int srcOff, float[] dst, int dstOff, int n) {
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = toFloat(src[srcOff + i]);
    }
  }

  /** Returns a new bf16 array holding {@code src} rounded to nearest even. */
  public static short[] fromFloat(float[] src) {
    short[] out = new short[src.length];
    fromFloat(src, 0, out, 0, src.length);
    return out;
  }

  /** Returns a new f32 array holding {@code src} widened. */
  public static float[] toFloat(short[] src) {
    float[] out = new float[src.length];
    toFloat(src, 0, out, 0, src.length);
    return out;
  }
}
