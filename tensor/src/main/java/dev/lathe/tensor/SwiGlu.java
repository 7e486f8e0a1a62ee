package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The gated SiLU of Llama's feed-forward block: {@code out = silu(gate) * up} with {@code silu(x) =
 * x / (1 + exp(-x))}. Backward needs {@code gate} and {@code up}, which the caller keeps.
 */
public final class SwiGlu {
  private SwiGlu() {}

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

  /** Vector API path of {@link #forward}; the vector exponential differs by a few ulps. */
  public static void forwardVector(float[] out, float[] gate, float[] up, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector g = FloatVector.fromArray(F, gate, i);
      FloatVector e = g.neg().lanewise(VectorOperators.EXP).add(1f);
      g.div(e).mul(FloatVector.fromArray(F, up, i)).intoArray(out, i);
    }
    for (; i < n; i++) {
      float g = gate[i];
      out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
    }
  }
}
