package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * GELU with the tanh approximation GPT-2 uses: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
 * x³)))}. Backward needs the input, which the caller keeps.
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

  /** Vector API path of {@link #forward}; the vector tanh differs by a few ulps. */
  public static void forwardVector(float[] out, float[] in, int n) {
    int bound = F.loopBound(n);
    int i = 0;
    for (; i < bound; i += F.length()) {
      FloatVector x = FloatVector.fromArray(F, in, i);
      FloatVector u = x.mul(x).mul(x).mul(CUBE).add(x).mul(SCALE);
      x.mul(0.5f).mul(u.lanewise(VectorOperators.TANH).add(1f)).intoArray(out, i);
    }
    for (; i < n; i++) {
      float x = in[i];
      float u = SCALE * (x + CUBE * x * x * x);
      out[i] = 0.5f * x * (1f + (float) Math.tanh(u));
    }
  }
}
