package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * The gated SiLU of Llama's feed-forward block: {@code out = silu(gate) * up} with {@code silu(x) =
 * x / (1 + exp(-x))}. Backward needs {@code gate} and {@code up}, which the caller keeps (so
 * forward must not overwrite {@code gate} when training). With {@code σ = 1 / (1 + exp(-gate))}:
 * {@code dGate = dOut · up · σ · (1 + gate · (1 − σ))}, {@code dUp = dOut · gate · σ}.
 */
public final class SwiGlu {
  private SwiGlu() {}

  /** Each thread's vector of {@code exp(-gate)} ({@link VectorExp#expNegated}). */
  private static final ThreadLocal<float[]> EXP =
      ThreadLocal.withInitial(() -> new float[F.length()]);

  /**
   * Element-wise over {@code n} values.
   *
   * <pre>
   * // out, gate, up: (N * hidden) flattened; out may be gate or up
   * </pre>
   */
  public static void forward(float[] out, float[] gate, float[] up, int n) {
    if (KernelPath.vector()) {
      forwardVector(out, gate, up, n);
    } else {
      forwardScalar(out, gate, up, n);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(float[] out, float[] gate, float[] up, int n) {
    for (int i = 0; i < n; i++) {
      float g = gate[i];
      out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
    }
  }

  /**
   * Vector API path of {@link #forward}. The exponential is {@link VectorExp} (a few ulps from the
   * scalar reference's), not the Vector API's {@code EXP}, whose compiled form disagrees with its
   * interpreted one on a few inputs in a thousand: the same call must give the same bits before and
   * after the JIT compiles it. The tail uses the scalar twin, so every element gets the same bits
   * wherever it falls.
   */
  public static void forwardVector(float[] out, float[] gate, float[] up, int n) {
    int bound = F.loopBound(n);
    float[] e = EXP.get();
    int i = 0;
    for (; i < bound; i += F.length()) {
      // exp(-gate) through this thread's scratch: no vector is passed to a call (VectorExp)
      VectorExp.expNegated(gate, i, e, 0);
      FloatVector.fromArray(F, gate, i)
          .div(FloatVector.fromArray(F, e, 0).add(1f))
          .mul(FloatVector.fromArray(F, up, i))
          .intoArray(out, i);
    }
    for (; i < n; i++) {
      float g = gate[i];
      out[i] = g / (1f + VectorExp.exp(-g)) * up[i];
    }
  }

  /**
   * Adds the gradients of {@link #forward} over {@code n} values.
   *
   * <pre>
   * // dGate, dUp: (N * hidden) accumulated   dOut, gate, up: (N * hidden)
   * </pre>
   *
   * Neither gradient buffer may alias {@code dOut}.
   */
  public static void backward(
      float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up, int n) {
    if (KernelPath.vector()) {
      backwardVector(dGate, dUp, dOut, gate, up, n);
    } else {
      backwardScalar(dGate, dUp, dOut, gate, up, n);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up, int n) {
    for (int i = 0; i < n; i++) {
      float g = gate[i];
      float sig = 1f / (1f + (float) Math.exp(-g));
      float dy = dOut[i];
      dGate[i] += dy * up[i] * sig * (1f + g * (1f - sig));
      dUp[i] += dy * g * sig;
    }
  }

  /** Vector API path of {@link #backward}, with the exponential of {@link #forwardVector}. */
  public static void backwardVector(
      float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up, int n) {
    int bound = F.loopBound(n);
    float[] e = EXP.get();
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, gate, i);
      VectorExp.expNegated(gate, i, e, 0);
      FloatVector sig = FloatVector.broadcast(F, 1f).div(FloatVector.fromArray(F, e, 0).add(1f));
      FloatVector dy = FloatVector.fromArray(F, dOut, i);
      FloatVector dsilu = sig.neg().add(1f).mul(g).add(1f).mul(sig);
      dy.mul(FloatVector.fromArray(F, up, i))
          .fma(dsilu, FloatVector.fromArray(F, dGate, i))
          .intoArray(dGate, i);
      dy.mul(g).fma(sig, FloatVector.fromArray(F, dUp, i)).intoArray(dUp, i);
    }
    for (; i < n; i++) {
      float g = gate[i];
      float sig = 1f / (1f + VectorExp.exp(-g));
      float dy = dOut[i];
      float dsilu = (1f - sig) * g + 1f;
      dGate[i] = Math.fma(dy * up[i], dsilu * sig, dGate[i]);
      dUp[i] = Math.fma(dy * g, sig, dUp[i]);
    }
  }
}
