package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Counter-based dropout masks: the vector path equals its scalar twin on odd row lengths, bits past
 * the row are 0, a row drawn alone equals the same row drawn among others, and the dropped fraction
 * is p.
 */
class DropoutBitsTest {

  @Test
  void vectorEqualsScalarTwinOnOddSizesAndBitsPastTheRowAreZero() {
    for (int in : new int[] {1, 7, 63, 64, 65, 129, 200, 4864}) {
      int words = DropoutBits.words(in);
      for (double p : new double[] {0, 0.05, 0.5, 0.99}) {
        int thr = DropoutBits.threshold(p);
        for (int row : new int[] {0, 1, 17, 1023}) {
          long[] v = new long[words + 2];
          long[] s = new long[words + 2];
          DropoutBits.row(42L ^ in, row, in, thr, v, 1);
          DropoutBits.rowScalar(42L ^ in, row, in, thr, s, 1);
          assertThat(v).as("in=%d p=%s row=%d", in, p, row).containsExactly(s);
          assertThat(v[0]).isZero();
          assertThat(v[words + 1]).isZero();
          if (in % 64 != 0) {
            assertThat(v[words] >>> (in % 64)).as("bits past the row").isZero();
          }
          if (p == 0) {
            assertThat(v).containsOnly(0L);
          }
        }
      }
    }
  }

  @Test
  void droppedFractionIsPAndRowsAndSeedsDiffer() {
    int in = 4864;
    int words = DropoutBits.words(in);
    int thr = DropoutBits.threshold(0.05);
    long dropped = 0;
    long[] a = new long[words];
    long[] b = new long[words];
    for (int row = 0; row < 200; row++) {
      DropoutBits.row(7, row, in, thr, a, 0);
      for (long w : a) {
        dropped += Long.bitCount(w);
      }
    }
    double fraction = dropped / (200.0 * in);
    assertThat(fraction).isBetween(0.045, 0.055);
    DropoutBits.row(7, 3, in, thr, a, 0);
    DropoutBits.row(7, 4, in, thr, b, 0);
    assertThat(a).isNotEqualTo(b);
    DropoutBits.row(8, 3, in, thr, b, 0);
    assertThat(a).isNotEqualTo(b);
    assertThatThrownBy(() -> DropoutBits.threshold(1))
        .hasMessageContaining("dropout probability must be in [0, 1)");
  }
}
