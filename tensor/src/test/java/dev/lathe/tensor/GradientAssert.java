package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.reference.FiniteDifferences;

/**
 * Compares float kernels with the double references: norm-wise relative error {@code ‖got − want‖ /
 * max(‖got‖, ‖want‖)} (see {@link FiniteDifferences#relativeError}).
 */
final class GradientAssert {
  private GradientAssert() {}

  /**
   * Tolerance for a float kernel against its double reference. Float rounding of sums over up to
   * 1000 terms stays well below it.
   */
  static final double FLOAT_TOLERANCE = 1e-5;

  static double[] toDouble(float[] a) {
    return toDouble(a, 0, a.length);
  }

  static double[] toDouble(float[] a, int off, int n) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = a[off + i];
    }
    return d;
  }

  static void assertClose(float[] got, double[] want, String what) {
    double err = FiniteDifferences.relativeError(toDouble(got), want);
    assertThat(err).as("%s: norm-wise relative error", what).isLessThan(FLOAT_TOLERANCE);
  }

  static void assertClose(float[] got, int off, double[] want, String what) {
    double err = FiniteDifferences.relativeError(toDouble(got, off, want.length), want);
    assertThat(err).as("%s: norm-wise relative error", what).isLessThan(FLOAT_TOLERANCE);
  }
}
