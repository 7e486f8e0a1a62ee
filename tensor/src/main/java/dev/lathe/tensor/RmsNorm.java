package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Root-mean-square normalisation (Llama): {@code out = in / sqrt(mean(in²) + eps) * weight}, row by
 * row.
 *
 * <p>Forward saves the reciprocal standard deviation of every row in {@code rstd} (when not null),
 * which is what backward needs together with {@code in} and {@code weight}. With {@code s = rstd},
 * {@code dot = Σ_k dOut_k · weight_k · in_k} backward is {@code dIn_j = s · weight_j · dOut_j − s³
 * / C · in_j · dot} and {@code dWeight_j = Σ_rows dOut_j · in_j · s}.
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
      float ss = LaneSum.of(acc);
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

  /**
   * Adds the gradients of {@link #forward} for {@code n} rows of {@code c} values.
   *
   * <pre>
   * // dIn: (N, C) at dInOff, accumulated   dWeight: (C) accumulated, or null (frozen weight)
   * // dOut: (N, C) at dOutOff   in: (N, C) at inOff   weight: (C)   rstd: (N) saved by forward
   * </pre>
   *
   * {@code dIn} must not overlap {@code dOut}.
   */
  public static void backward(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c) {
    if (KernelPath.vector()) {
      backwardVector(dIn, dInOff, dWeight, dOut, dOutOff, in, inOff, weight, rstd, n, c);
    } else {
      backwardScalar(dIn, dInOff, dWeight, dOut, dOutOff, in, inOff, weight, rstd, n, c);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c) {
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      int dy = dOutOff + i * c;
      int dx = dInOff + i * c;
      float s = rstd[i];
      float dot = 0f;
      for (int j = 0; j < c; j++) {
        dot += dOut[dy + j] * weight[j] * in[x + j];
      }
      float k = s * s * dot / c;
      for (int j = 0; j < c; j++) {
        dIn[dx + j] += s * (weight[j] * dOut[dy + j] - in[x + j] * k);
      }
      if (dWeight != null) {
        for (int j = 0; j < c; j++) {
          dWeight[j] += dOut[dy + j] * in[x + j] * s;
        }
      }
    }
  }

  /** Vector API path of {@link #backward}; equals the scalar reference up to summation order. */
  public static void backwardVector(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] rstd,
      int n,
      int c) {
    int bound = F.loopBound(c);
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      int dy = dOutOff + i * c;
      int dx = dInOff + i * c;
      float s = rstd[i];
      FloatVector acc = FloatVector.zero(F);
      int j = 0;
      for (; j < bound; j += F.length()) {
        FloatVector g = FloatVector.fromArray(F, dOut, dy + j);
        FloatVector w = FloatVector.fromArray(F, weight, j);
        acc = g.mul(w).fma(FloatVector.fromArray(F, in, x + j), acc);
      }
      float dot = LaneSum.of(acc);
      for (; j < c; j++) {
        dot += dOut[dy + j] * weight[j] * in[x + j];
      }
      float k = s * s * dot / c;
      for (j = 0; j < bound; j += F.length()) {
        FloatVector g = FloatVector.fromArray(F, dOut, dy + j);
        FloatVector v = FloatVector.fromArray(F, in, x + j);
        FloatVector w = FloatVector.fromArray(F, weight, j);
        FloatVector d = w.mul(g).sub(v.mul(k)).mul(s);
        d.add(FloatVector.fromArray(F, dIn, dx + j)).intoArray(dIn, dx + j);
        if (dWeight != null) {
          g.mul(v).mul(s).add(FloatVector.fromArray(F, dWeight, j)).intoArray(dWeight, j);
        }
      }
      for (; j < c; j++) {
        dIn[dx + j] += s * (weight[j] * dOut[dy + j] - in[x + j] * k);
        if (dWeight != null) {
          dWeight[j] += dOut[dy + j] * in[x + j] * s;
        }
      }
    }
  }
}
