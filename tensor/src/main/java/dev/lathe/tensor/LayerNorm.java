package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Layer normalisation with bias (GPT-2): {@code out = (in - mean) / sqrt(var + eps) * weight +
 * bias}, row by row, with the biased variance.
 *
 * <p>Forward saves each row's mean and reciprocal standard deviation (when the arrays are not
 * null): backward needs them with {@code in} and {@code weight}. With {@code norm = (in − mean) ·
 * rstd} and {@code g = weight · dOut}, backward is {@code dIn = rstd · (g − mean(g) − norm · mean(g
 * · norm))}, {@code dWeight = Σ_rows dOut · norm}, {@code dBias = Σ_rows dOut}.
 */
public final class LayerNorm {
  private LayerNorm() {}

  /**
   * Normalises {@code n} rows of {@code c} values.
   *
   * <pre>
   * // out: (N, C)  in: (N, C)  weight, bias: (C)  mean, rstd: (N) or null
   * </pre>
   */
  public static void forward(
      float[] out,
      int outOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] bias,
      float[] mean,
      float[] rstd,
      int n,
      int c,
      float eps) {
    if (KernelPath.vector()) {
      forwardVector(out, outOff, in, inOff, weight, bias, mean, rstd, n, c, eps);
    } else {
      forwardScalar(out, outOff, in, inOff, weight, bias, mean, rstd, n, c, eps);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(
      float[] out,
      int outOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] bias,
      float[] mean,
      float[] rstd,
      int n,
      int c,
      float eps) {
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      float sum = 0f;
      for (int j = 0; j < c; j++) {
        sum += in[x + j];
      }
      float m = sum / c;
      float var = 0f;
      for (int j = 0; j < c; j++) {
        float d = in[x + j] - m;
        var += d * d;
      }
      float s = (float) (1.0 / Math.sqrt(var / c + eps));
      if (mean != null) {
        mean[i] = m;
      }
      if (rstd != null) {
        rstd[i] = s;
      }
      int o = outOff + i * c;
      for (int j = 0; j < c; j++) {
        out[o + j] = (in[x + j] - m) * s * weight[j] + bias[j];
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
      float[] bias,
      float[] mean,
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
        acc = acc.add(FloatVector.fromArray(F, in, x + j));
      }
      float sum = LaneSum.of(acc);
      for (; j < c; j++) {
        sum += in[x + j];
      }
      float m = sum / c;
      acc = FloatVector.zero(F);
      for (j = 0; j < bound; j += F.length()) {
        FloatVector d = FloatVector.fromArray(F, in, x + j).sub(m);
        acc = d.fma(d, acc);
      }
      float var = LaneSum.of(acc);
      for (; j < c; j++) {
        float d = in[x + j] - m;
        var += d * d;
      }
      float s = (float) (1.0 / Math.sqrt(var / c + eps));
      if (mean != null) {
        mean[i] = m;
      }
      if (rstd != null) {
        rstd[i] = s;
      }
      int o = outOff + i * c;
      for (j = 0; j < bound; j += F.length()) {
        FloatVector v = FloatVector.fromArray(F, in, x + j).sub(m).mul(s);
        v.mul(FloatVector.fromArray(F, weight, j))
            .add(FloatVector.fromArray(F, bias, j))
            .intoArray(out, o + j);
      }
      for (; j < c; j++) {
        out[o + j] = (in[x + j] - m) * s * weight[j] + bias[j];
      }
    }
  }

  /**
   * Adds the gradients of {@link #forward} for {@code n} rows of {@code c} values.
   *
   * <pre>
   * // dIn: (N, C) at dInOff, accumulated   dWeight, dBias: (C) accumulated, or null (frozen)
   * // dOut: (N, C) at dOutOff   in: (N, C) at inOff   weight: (C)   mean, rstd: (N) from forward
   * </pre>
   *
   * {@code dIn} must not overlap {@code dOut}.
   */
  public static void backward(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dBias,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] mean,
      float[] rstd,
      int n,
      int c) {
    if (KernelPath.vector()) {
      backwardVector(
          dIn, dInOff, dWeight, dBias, dOut, dOutOff, in, inOff, weight, mean, rstd, n, c);
    } else {
      backwardScalar(
          dIn, dInOff, dWeight, dBias, dOut, dOutOff, in, inOff, weight, mean, rstd, n, c);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dBias,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] mean,
      float[] rstd,
      int n,
      int c) {
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      int dy = dOutOff + i * c;
      int dx = dInOff + i * c;
      float m = mean[i];
      float s = rstd[i];
      float sumG = 0f;
      float sumGNorm = 0f;
      for (int j = 0; j < c; j++) {
        float g = weight[j] * dOut[dy + j];
        sumG += g;
        sumGNorm += g * (in[x + j] - m) * s;
      }
      float meanG = sumG / c;
      float meanGNorm = sumGNorm / c;
      for (int j = 0; j < c; j++) {
        float norm = (in[x + j] - m) * s;
        dIn[dx + j] += s * (weight[j] * dOut[dy + j] - meanG - norm * meanGNorm);
        if (dWeight != null) {
          dWeight[j] += dOut[dy + j] * norm;
        }
        if (dBias != null) {
          dBias[j] += dOut[dy + j];
        }
      }
    }
  }

  /** Vector API path of {@link #backward}; equals the scalar reference up to summation order. */
  public static void backwardVector(
      float[] dIn,
      int dInOff,
      float[] dWeight,
      float[] dBias,
      float[] dOut,
      int dOutOff,
      float[] in,
      int inOff,
      float[] weight,
      float[] mean,
      float[] rstd,
      int n,
      int c) {
    int bound = F.loopBound(c);
    for (int i = 0; i < n; i++) {
      int x = inOff + i * c;
      int dy = dOutOff + i * c;
      int dx = dInOff + i * c;
      float m = mean[i];
      float s = rstd[i];
      FloatVector accG = FloatVector.zero(F);
      FloatVector accGNorm = FloatVector.zero(F);
      int j = 0;
      for (; j < bound; j += F.length()) {
        FloatVector g =
            FloatVector.fromArray(F, weight, j).mul(FloatVector.fromArray(F, dOut, dy + j));
        FloatVector norm = FloatVector.fromArray(F, in, x + j).sub(m).mul(s);
        accG = accG.add(g);
        accGNorm = g.fma(norm, accGNorm);
      }
      float sumG = LaneSum.of(accG);
      float sumGNorm = LaneSum.of(accGNorm);
      for (; j < c; j++) {
        float g = weight[j] * dOut[dy + j];
        sumG += g;
        sumGNorm += g * (in[x + j] - m) * s;
      }
      float meanG = sumG / c;
      float meanGNorm = sumGNorm / c;
      for (j = 0; j < bound; j += F.length()) {
        FloatVector gy = FloatVector.fromArray(F, dOut, dy + j);
        FloatVector norm = FloatVector.fromArray(F, in, x + j).sub(m).mul(s);
        FloatVector g = FloatVector.fromArray(F, weight, j).mul(gy);
        g.sub(meanG)
            .sub(norm.mul(meanGNorm))
            .mul(s)
            .add(FloatVector.fromArray(F, dIn, dx + j))
            .intoArray(dIn, dx + j);
        if (dWeight != null) {
          gy.fma(norm, FloatVector.fromArray(F, dWeight, j)).intoArray(dWeight, j);
        }
        if (dBias != null) {
          gy.add(FloatVector.fromArray(F, dBias, j)).intoArray(dBias, j);
        }
      }
      for (; j < c; j++) {
        float norm = (in[x + j] - m) * s;
        dIn[dx + j] += s * (weight[j] * dOut[dy + j] - meanG - norm * meanGNorm);
        if (dWeight != null) {
          dWeight[j] += dOut[dy + j] * norm;
        }
        if (dBias != null) {
          dBias[j] += dOut[dy + j];
        }
      }
    }
  }
}
