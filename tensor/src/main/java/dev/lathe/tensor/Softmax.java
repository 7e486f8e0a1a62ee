package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Numerically stable softmax of one row, in place: {@code x = exp(x - max) / sum(exp(x - max))}.
 * Its output is all backward needs.
 */
public final class Softmax {
  private Softmax() {}

  /** Softmax of {@code x[off .. off+n)} in place. {@code // x: (n)} */
  public static void forward(float[] x, int off, int n) {
    if (KernelPath.vector()) {
      forwardVector(x, off, n);
    } else {
      forwardScalar(x, off, n);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(float[] x, int off, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[off + i]);
    }
    float sum = 0f;
    for (int i = 0; i < n; i++) {
      float e = (float) Math.exp(x[off + i] - max);
      x[off + i] = e;
      sum += e;
    }
    float inv = 1f / sum;
    for (int i = 0; i < n; i++) {
      x[off + i] *= inv;
    }
  }

  /**
   * Vector API path of {@link #forward}; the vector exponential and summation order make it differ
   * from the scalar reference by a few ulps.
   */
  public static void forwardVector(float[] x, int off, int n) {
    int bound = F.loopBound(n);
    FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int i = 0;
    for (; i < bound; i += F.length()) {
      vmax = vmax.max(FloatVector.fromArray(F, x, off + i));
    }
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      max = Math.max(max, x[off + i]);
    }
    FloatVector acc = FloatVector.zero(F);
    for (i = 0; i < bound; i += F.length()) {
      FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
      e.intoArray(x, off + i);
      acc = acc.add(e);
    }
    float sum = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float e = (float) Math.exp(x[off + i] - max);
      x[off + i] = e;
      sum += e;
    }
    float inv = 1f / sum;
    for (i = 0; i < bound; i += F.length()) {
      FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
    }
    for (; i < n; i++) {
      x[off + i] *= inv;
    }
  }
}
