package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Root-mean-square normalisation (Llama): {@code out = in / sqrt(mean(in²) + eps) * weight}, row by
 * row.
 *
 * <p>Forward saves the reciprocal standard deviation of every row in {@code rstd} (when not null),
 * which is what backward needs together with {@code in} and {@code weight}.
 */
public final class RmsNorm {
  private RmsNorm() {}

  /**
   * Normalises {@code n} rows of {@code c} values.
   *
   * <pre>
   * // out: (N, C) at outOff   in: (N, C) at inOff   weight: (C)   rstd: (N) or null
   * </pre>
   *
   * {@code out} may be {@code in} (in place) when the offsets are equal.
   */
  public static void forward(
      float[] out,
      int outOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c,
      float eps) {
    if (KernelPath.vector()) {
      forwardVector(out, outOff, in, inOff, weight, rstd, n, c, eps);
    } else {
      forwardScalar(out, outOff, in, inOff, weight, rstd, n, c, eps);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(
      float[] out,
      int outOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c,
      float eps) {
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      float ss = 0f;
      for (int j = 0; j < c; j++) {
        ss += in[x + j] * in[x + j];
      }
      float s = (float) (1.0 / Math.sqrt(ss / c + eps));
      if (rstd != null) {
        rstd[i] = s;
      }
      int o = outOff + i * c;
      for (int j = 0; j < c; j++) {
        out[o + j] = in[x + j] * s * weight[j];
      }
    }
  }

  /** Vector API path of {@link #forward}; equals the scalar reference up to summation order. */
  public static void forwardVector(
      float[] out,
      int outOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c,
      float eps) {
    int bound = F.loopBound(c);
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      FloatVector acc = FloatVector.zero(F);
      int j = 0;
      for (; j < bound; j += F.length()) {
        FloatVector v = FloatVector.fromArray(F, in, x + j);
        acc = v.fma(v, acc);
      }
      float ss = acc.reduceLanes(VectorOperators.ADD);
      for (; j < c; j++) {
        ss += in[x + j] * in[x + j];
      }
      float s = (float) (1.0 / Math.sqrt(ss / c + eps));
      if (rstd != null) {
        rstd[i] = s;
      }
      int o = outOff + i * c;
      j = 0;
      for (; j < bound; j += F.length()) {
        FloatVector v = FloatVector.fromArray(F, in, x + j);
        v.mul(s).mul(FloatVector.fromArray(F, weight, j)).intoArray(out, o + j);
      }
      for (; j < c; j++) {
        out[o + j] = in[x + j] * s * weight[j];
      }
    }
  }
}
