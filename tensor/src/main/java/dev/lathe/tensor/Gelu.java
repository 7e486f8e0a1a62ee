package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * GELU with the tanh approximation GPT-2 uses: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
 * x³)))}. Backward needs the input, which the caller keeps. With {@code u = sqrt(2/pi) (x +
 * 0.044715 x³)}: {@code d/dx = 0.5 (1 + tanh u) + 0.5 x (1 − tanh² u) sqrt(2/pi) (1 + 3 · 0.044715
 * x²)}.
 */
public final class Gelu {
  private Gelu() {}

  private static final float SCALE = (float) Math.sqrt(2.0 / Math.PI);
  private static final float CUBE = 0.044715f;

  /** Element-wise over {@code n} values. {@code // out, in: (N * C) flattened; out may be in} */
  public static void forward(float[] out, float[] in, int n) {
    if (KernelPath.vector()) {
      forwardVector(out, in, n);
    } else {
      forwardScalar(out, in, n);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(float[] out, float[] in, int n) {
    for (int i = 0; i < n; i++) {
      float x = in[i];
      float u = SCALE * (x + CUBE * x * x * x);
      out[i] = 0.5f * x * (1f + (float) Math.tanh(u));
    }
  }

  /**
   * Vector API path of {@link #forward}. The tanh is built on {@link VectorExp} (within about 1e-7
   * of the true value), not the Vector API's {@code TANH}, whose compiled form disagrees with its
   * interpreted one on a few inputs in a thousand: the same call must give the same bits before and
   * after the JIT compiles it. The tail repeats the vector lanes' operations one at a time.
   */
  public static void forwardVector(float[] out, float[] in, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector x = FloatVector.fromArray(F, in, i);
      FloatVector u = x.mul(x).mul(x).mul(CUBE).add(x).mul(SCALE);
      x.mul(0.5f).mul(tanh(u).add(1f)).intoArray(out, i);
    }
    for (; i < n; i++) {
      float x = in[i];
      float u = (x * x * x * CUBE + x) * SCALE;
      out[i] = x * 0.5f * (tanh(u) + 1f);
    }
  }

  /**
   * {@code tanh(u) = 1 − 2 / (e^{2u} + 1)} with {@link VectorExp}: the same bits interpreted and
   * compiled. The error is absolute (about 1e-7, relative error grows for tiny {@code |u|}), which
   * is what GELU needs: it only uses {@code 1 + tanh} and {@code 1 − tanh²}. Saturates to ±1.
   */
  private static FloatVector tanh(FloatVector u) {
    FloatVector e = VectorExp.exp(u.mul(2f));
    return FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
  }

  /** The scalar twin of {@link #tanh(FloatVector)}, bit for bit. */
  private static float tanh(float u) {
    float e = VectorExp.exp(u * 2f);
    return 1f - 2f / (e + 1f);
  }

  /**
   * Adds the gradient of {@link #forward} over {@code n} values. {@code // dIn, dOut, in: (N * C);
   * dIn accumulated, must not alias dOut}
   */
  public static void backward(float[] dIn, float[] dOut, float[] in, int n) {
    if (KernelPath.vector()) {
      backwardVector(dIn, dOut, in, n);
    } else {
      backwardScalar(dIn, dOut, in, n);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(float[] dIn, float[] dOut, float[] in, int n) {
    for (int i = 0; i < n; i++) {
      float x = in[i];
      float th = (float) Math.tanh(SCALE * (x + CUBE * x * x * x));
      float slope = 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * SCALE * (1f + 3f * CUBE * x * x);
      dIn[i] += dOut[i] * slope;
    }
  }

  /** Vector API path of {@link #backward}, with the tanh of {@link #forwardVector}. */
  public static void backwardVector(float[] dIn, float[] dOut, float[] in, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector x = FloatVector.fromArray(F, in, i);
      FloatVector x2 = x.mul(x);
      FloatVector th = tanh(x2.mul(x).mul(CUBE).add(x).mul(SCALE));
      FloatVector inner = x2.mul(3f * CUBE).add(1f).mul(SCALE);
      FloatVector sech2 = th.mul(th).neg().add(1f);
      FloatVector slope = x.mul(0.5f).mul(sech2).mul(inner).add(th.add(1f).mul(0.5f));
      FloatVector.fromArray(F, dOut, i)
          .fma(slope, FloatVector.fromArray(F, dIn, i))
          .intoArray(dIn, i);
    }
    for (; i < n; i++) {
      float x = in[i];
      float x2 = x * x;
      float th = tanh((x2 * x * CUBE + x) * SCALE);
      float inner = (x2 * (3f * CUBE) + 1f) * SCALE;
      float sech2 = 1f - th * th;
      float slope = x * 0.5f * sech2 * inner + (th + 1f) * 0.5f;
      dIn[i] = Math.fma(dOut[i], slope, dIn[i]);
    }
  }
}
