package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The largest value of a row and the first index holding it: greedy decoding's choice of token and
 * cross-entropy's "was the target the model's first choice". The maximum does not depend on the
 * order values are compared in, so the vector and scalar paths agree exactly; {@code -0.0} and
 * {@code 0.0} count as equal, as {@code >} and {@code ==} treat them.
 */
public final class ArgMax {
  private ArgMax() {}

  /**
   * The first index of the largest of {@code x[off .. off+n)} (relative to {@code off}), as a loop
   * that keeps the first strictly greater value finds it; -1 when a value is NaN (which such a loop
   * would skip over or stop at, depending on where it stands).
   */
  public static int first(float[] x, int off, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("the arg-max of an empty row, n=" + n);
    }
    boolean vector = KernelPath.vector();
    float max = vector ? maxVector(x, off, n) : maxScalar(x, off, n);
    if (Float.isNaN(max)) {
      return -1;
    }
    return vector ? firstIndexOfVector(x, off, n, max) : firstIndexOfScalar(x, off, n, max);
  }

  /** The scalar twin of {@link #first}. */
  public static int firstScalar(float[] x, int off, int n) {
    float max = maxScalar(x, off, n);
    return Float.isNaN(max) ? -1 : firstIndexOfScalar(x, off, n, max);
  }

  /** The largest of {@code x[off .. off+n)}; NaN when one is NaN. */
  static float maxScalar(float[] x, int off, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      max = Math.max(max, x[off + j]);
    }
    return max;
  }

  /** {@link #maxScalar} on the Vector API. */
  static float maxVector(float[] x, int off, int n) {
    int bound = F.loopBound(n);
    FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int j = 0;
    for (; j < bound; j += F.length()) {
      vmax = vmax.max(FloatVector.fromArray(F, x, off + j));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; j < n; j++) {
      max = Math.max(max, x[off + j]);
    }
    return max;
  }

  /** The first j with {@code x[off + j] == value}; -1 when there is none (value NaN). */
  static int firstIndexOfScalar(float[] x, int off, int n, float value) {
    for (int j = 0; j < n; j++) {
      if (x[off + j] == value) {
        return j;
      }
    }
    return -1;
  }

  /** {@link #firstIndexOfScalar} on the Vector API. */
  static int firstIndexOfVector(float[] x, int off, int n, float value) {
    int bound = F.loopBound(n);
    int j = 0;
    for (; j < bound; j += F.length()) {
      int lane = FloatVector.fromArray(F, x, off + j).eq(value).firstTrue();
      if (lane < F.length()) {
        return j + lane;
      }
    }
    for (; j < n; j++) {
      if (x[off + j] == value) {
        return j;
      }
    }
    return -1;
  }
}
