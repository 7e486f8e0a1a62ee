package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Residual connection: {@code out = a + b} element-wise. Backward passes the output gradient to
 * both inputs unchanged.
 */
public final class Residual {
  private Residual() {}

  /** {@code // out, a, b: (n) at their offsets; out may alias a or b} */
  public static void forward(
      float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
    if (KernelPath.vector()) {
      forwardVector(out, outOff, a, aOff, b, bOff, n);
    } else {
      forwardScalar(out, outOff, a, aOff, b, bOff, n);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(
      float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = a[aOff + i] + b[bOff + i];
    }
  }

  /** Vector API path of {@link #forward}; bit-identical to the scalar reference. */
  public static void forwardVector(
      float[] out, int outOff, float[] a, int aOff, float[] b, int bOff, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector.fromArray(F, a, aOff + i)
          .add(FloatVector.fromArray(F, b, bOff + i))
          .intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = a[aOff + i] + b[bOff + i];
    }
  }

  /**
   * Adds the output gradient to both input gradients.
   *
   * <pre>
   * // dA: (n) at aOff or null   dB: (n) at bOff or null   dOut: (n) at outOff; dA, dB accumulated
   * </pre>
   *
   * In a residual stream whose gradient buffer is {@code dOut} itself, pass {@code null} for that
   * side: its gradient is {@code dOut} unchanged, and adding it to itself would double it.
   */
  public static void backward(
      float[] dA, int aOff, float[] dB, int bOff, float[] dOut, int outOff, int n) {
    if (KernelPath.vector()) {
      backwardVector(dA, aOff, dB, bOff, dOut, outOff, n);
    } else {
      backwardScalar(dA, aOff, dB, bOff, dOut, outOff, n);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dA, int aOff, float[] dB, int bOff, float[] dOut, int outOff, int n) {
    for (int i = 0; i < n; i++) {
      if (dA != null) {
        dA[aOff + i] += dOut[outOff + i];
      }
      if (dB != null) {
        dB[bOff + i] += dOut[outOff + i];
      }
    }
  }

  /** Vector API path of {@link #backward}; bit-identical to the scalar reference. */
  public static void backwardVector(
      float[] dA, int aOff, float[] dB, int bOff, float[] dOut, int outOff, int n) {
    if (dA != null) {
      forwardVector(dA, aOff, dA, aOff, dOut, outOff, n);
    }
    if (dB != null) {
      forwardVector(dB, bOff, dB, bOff, dOut, outOff, n);
    }
  }
}
