package dev.lathe.tensor;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Counter-based dropout masks: element p of row i is dropped when a 16-bit field of {@code mix(seed
 * + counter · φ)} is below {@code p · 65536}, the counter being {@code i · ⌈in/64⌉ · 16 + p/4}
 * (four elements per 64-bit hash). Any row, and any word of a row, can be drawn on its own with the
 * same bits, so rows are drawn in parallel and the result does not depend on the thread count or on
 * the vector width. A row's bits start on a 64-bit word; bits past {@code in} are 0.
 */
public final class DropoutBits {
  private DropoutBits() {}

  private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, LS.vectorShape());
  private static final int LL = LS.length();
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /** The 16-bit threshold of drop probability {@code p} in [0, 1): round(p · 65536). */
  public static int threshold(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
    return (int) Math.min(65535, Math.round(p * 65536));
  }

  /** 64-bit words per row of {@code in} elements. */
  public static int words(int in) {
    return (in + 63) >>> 6;
  }

  /**
   * Writes row {@code row}'s mask of {@code in} elements into {@code dst[off .. off + words(in))}.
   */
  public static void row(long seed, int row, int in, int threshold, long[] dst, int off) {
    int words = words(in);
    long counter = (long) row * words * 16;
    if (!Gemm.simd() || 16 % LL != 0) {
      rowScalar(seed, row, in, threshold, dst, off);
      return;
    }
    short thr = (short) threshold;
    LongVector iota = LongVector.zero(LS).addIndex(1);
    for (int w = 0; w < words; w++) {
      long bits = 0;
      for (int h = 0; h < 16; h += LL) {
        LongVector c = iota.add(counter + w * 16L + h).mul(GOLDEN).add(seed);
        ShortVector u = mix(c).reinterpretAsShorts();
        long lanes = u.compare(VectorOperators.ULT, thr).toLong();
        bits |= lanes << (4 * h);
      }
      dst[off + w] = bits & valid(in, w);
    }
  }

  /** The scalar twin of {@link #row}. */
  static void rowScalar(long seed, int row, int in, int threshold, long[] dst, int off) {
    int words = words(in);
    long counter = (long) row * words * 16;
    for (int w = 0; w < words; w++) {
      long bits = 0;
      for (int h = 0; h < 16; h++) {
        long z = mix(seed + (counter + w * 16L + h) * GOLDEN);
        for (int q = 0; q < 4; q++) {
          if (((z >>> (16 * q)) & 0xFFFF) < threshold) {
            bits |= 1L << (4 * h + q);
          }
        }
      }
      dst[off + w] = bits & valid(in, w);
    }
  }

  /** The bits of word {@code w} that are elements of a row of {@code in}. */
  private static long valid(int in, int w) {
    int rest = in - 64 * w;
    return rest >= 64 ? -1L : (1L << rest) - 1;
  }

  /** SplitMix64's finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static LongVector mix(LongVector z) {
    z =
        z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 30))
            .mul(0xBF58476D1CE4E5B9L);
    z =
        z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 27))
            .mul(0x94D049BB133111EBL);
    return z.lanewise(VectorOperators.XOR, z.lanewise(VectorOperators.LSHR, 31));
  }
}
