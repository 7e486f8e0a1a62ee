package dev.lathe.tensor;

import java.util.SplittableRandom;

/** Seeded random inputs for the kernel tests. */
final class RandomArrays {
  private RandomArrays() {}

  /** Odd sizes that exercise both the vector loop and the scalar tail. */
  static final int[] ODD_SIZES = {1, 7, 33, 129, 1000};

  static float[] uniform(long seed, int n, float scale) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  /** Largest |a - b| / max(1, |b|) over the arrays. */
  static double maxRelativeError(float[] a, float[] b) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1.0, Math.abs(b[i])));
    }
    return worst;
  }
}
