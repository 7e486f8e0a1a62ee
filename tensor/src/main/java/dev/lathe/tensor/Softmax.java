package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Numerically stable softmax of one row, in place: {@code x = exp(x - max) / sum(exp(x - max))}.
 * Its output is all backward needs: with {@code y} the output and {@code dy} its gradient, {@code
 * dx_i = y_i · (dy_i − Σ_k y_k · dy_k)}.
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
   * from the scalar reference by a few ulps. The exponential is {@link VectorExp}, not the Vector
   * API's {@code EXP}, whose compiled form disagrees with its interpreted one on some inputs: a
   * sequence's attention must give the same bits before and after the JIT compiles it.
   */
  public static void forwardVector(float[] x, int off, int n) {
    int bound = F.loopBound(n);
    float max = max(x, off, n, bound);
    // exp(x - max) in place and its sum in one method of VectorExp: passing a vector to exp()
    // allocated whenever a decode step's compiled code left that call un-inlined
    float sum = VectorExp.expShiftedSum(x, off, bound, max);
    int i = bound;
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

  /**
   * The largest of {@code x[off .. off+n)}: whole vectors lane-wise, the lanes folded by halves,
   * then the rest one by one. A maximum is the same value in any order ({@code max} follows {@link
   * Math#max} for NaN and signed zeros), so this equals a scalar loop's; a scalar loop carried a
   * dependent compare per score and took half of a short-headed model's softmax. The lanes are
   * folded by rearranges written out here, not {@code reduceLanes}, whose compiled form once stayed
   * on the Java fallback in a decode step and allocated.
   */
  static float max(float[] x, int off, int n, int bound) {
    float max = Float.NEGATIVE_INFINITY;
    if (bound > 0) {
      FloatVector m = FloatVector.fromArray(F, x, off);
      for (int i = F.length(); i < bound; i += F.length()) {
        m = m.max(FloatVector.fromArray(F, x, off + i));
      }
      int lanes = F.length();
      if (lanes >= 16) {
        m = m.max(m.rearrange(LaneSum.SWAP8));
      }
      if (lanes >= 8) {
        m = m.max(m.rearrange(LaneSum.SWAP4));
      }
      if (lanes >= 4) {
        m = m.max(m.rearrange(LaneSum.SWAP2));
      }
      if (lanes >= 2) {
        m = m.max(m.rearrange(LaneSum.SWAP1));
      }
      max = m.lane(0);
    }
    for (int j = bound; j < n; j++) {
      max = Math.max(max, x[off + j]);
    }
    return max;
  }

  /**
   * Adds the gradient of one softmax row to {@code dx}.
   *
   * <pre>
   * // dx: (n) at dxOff, accumulated   y: (n) at yOff, forward's output   dy: (n) at dyOff
   * </pre>
   *
   * {@code dx} must not overlap {@code dy}; use {@link #backwardInPlace} to turn {@code dy} itself
   * into {@code dx}.
   */
  public static void backward(
      float[] dx, int dxOff, float[] y, int yOff, float[] dy, int dyOff, int n) {
    if (KernelPath.vector()) {
      backwardVector(dx, dxOff, y, yOff, dy, dyOff, n);
    } else {
      backwardScalar(dx, dxOff, y, yOff, dy, dyOff, n);
    }
  }

  /**
   * Overwrites the output gradient of one softmax row with the input gradient (as attention uses
   * it: the score-row buffer of {@code dy} becomes the pre-softmax gradient).
   *
   * <pre>
   * // d: (n) at dOff, dy on entry, dx on return   y: (n) at yOff, forward's output
   * </pre>
   */
  public static void backwardInPlace(float[] d, int dOff, float[] y, int yOff, int n) {
    if (KernelPath.vector()) {
      backwardInPlaceVector(d, dOff, y, yOff, n);
    } else {
      backwardInPlaceScalar(d, dOff, y, yOff, n);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dx, int dxOff, float[] y, int yOff, float[] dy, int dyOff, int n) {
    float dot = dotScalar(y, yOff, dy, dyOff, n);
    for (int i = 0; i < n; i++) {
      dx[dxOff + i] += y[yOff + i] * (dy[dyOff + i] - dot);
    }
  }

  /** Vector API path of {@link #backward}; equals the scalar reference up to summation order. */
  public static void backwardVector(
      float[] dx, int dxOff, float[] y, int yOff, float[] dy, int dyOff, int n) {
    float dot = dotVector(y, yOff, dy, dyOff, n);
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, dy, dyOff + i).sub(dot);
      g.fma(FloatVector.fromArray(F, y, yOff + i), FloatVector.fromArray(F, dx, dxOff + i))
          .intoArray(dx, dxOff + i);
    }
    for (; i < n; i++) {
      dx[dxOff + i] += y[yOff + i] * (dy[dyOff + i] - dot);
    }
  }

  /** Scalar reference of {@link #backwardInPlace}. */
  public static void backwardInPlaceScalar(float[] d, int dOff, float[] y, int yOff, int n) {
    float dot = dotScalar(y, yOff, d, dOff, n);
    for (int i = 0; i < n; i++) {
      d[dOff + i] = y[yOff + i] * (d[dOff + i] - dot);
    }
  }

  /** Vector API path of {@link #backwardInPlace}; equals the scalar one up to summation order. */
  public static void backwardInPlaceVector(float[] d, int dOff, float[] y, int yOff, int n) {
    float dot = dotVector(y, yOff, d, dOff, n);
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, d, dOff + i).sub(dot);
      g.mul(FloatVector.fromArray(F, y, yOff + i)).intoArray(d, dOff + i);
    }
    for (; i < n; i++) {
      d[dOff + i] = y[yOff + i] * (d[dOff + i] - dot);
    }
  }

  private static float dotScalar(float[] a, int aOff, float[] b, int bOff, int n) {
    float dot = 0f;
    for (int i = 0; i < n; i++) {
      dot += a[aOff + i] * b[bOff + i];
    }
    return dot;
  }

  private static float dotVector(float[] a, int aOff, float[] b, int bOff, int n) {
    int bound = F.loopBound(n);
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i < bound; i += F.length()) {
      acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
    }
    float dot = LaneSum.of(acc);
    for (; i < n; i++) {
      dot += a[aOff + i] * b[bOff + i];
    }
    return dot;
  }
}
