package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * The global L2 norm of a list of gradient buffers and clipping by it: when the norm exceeds {@code
 * maxNorm}, every gradient is multiplied by {@code maxNorm / (norm + 1e-6)}.
 *
 * <p>Summation order is fixed: buffers in list order, each from its first element to its last, on
 * the calling thread. The scalar path adds every square in double; the vector path adds squares in
 * float lanes over blocks of {@value #BLOCK} elements and each block's total in double. The same
 * inputs therefore always give the same bits on the same path and machine.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /** Elements per float-lane block of the vector path before the block is added in double. */
  static final int BLOCK = 1024;

  /** Added to the norm before dividing, so a tiny norm never scales gradients up. */
  static final double EPSILON = 1e-6;

  /** {@code sqrt(Σ_buffers Σ_i g[i]²)}. {@code // grads: any number of buffers of any length} */
  public static double globalNorm(List<float[]> grads) {
    return KernelPath.vector() ? globalNormVector(grads) : globalNormScalar(grads);
  }

  /**
   * Scales every gradient so the global norm is at most {@code maxNorm} and returns the norm
   * measured before clipping. A non-finite norm (NaN or infinite gradients) is returned without
   * touching the buffers, so the caller can skip the step.
   */
  public static double clipByGlobalNorm(List<float[]> grads, double maxNorm) {
    if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
      throw new IllegalArgumentException(
          "gradient clipping max norm must be finite and > 0, got " + maxNorm);
    }
    double norm = globalNorm(grads);
    if (Double.isFinite(norm) && norm > maxNorm) {
      float k = (float) (maxNorm / (norm + EPSILON));
      for (float[] g : grads) {
        scale(g, k);
      }
    }
    return norm;
  }

  /** Scalar reference of {@link #globalNorm}. */
  public static double globalNormScalar(List<float[]> grads) {
    double sum = 0;
    for (float[] g : grads) {
      for (float x : g) {
        sum += (double) x * x;
      }
    }
    return Math.sqrt(sum);
  }

  /** Vector API path of {@link #globalNorm}. */
  public static double globalNormVector(List<float[]> grads) {
    double sum = 0;
    for (float[] g : grads) {
      int i = 0;
      for (; i + BLOCK <= g.length; i += BLOCK) {
        FloatVector acc = FloatVector.zero(F);
        for (int j = i; j < i + BLOCK; j += F.length()) {
          FloatVector x = FloatVector.fromArray(F, g, j);
          acc = x.fma(x, acc);
        }
        sum += LaneSum.of(acc);
      }
      for (; i < g.length; i++) {
        sum += (double) g[i] * g[i];
      }
    }
    return Math.sqrt(sum);
  }

  private static void scale(float[] g, float k) {
    int bound = F.loopBound(g.length);
    int i = 0;
    if (KernelPath.vector()) {
      for (; i < bound; i += F.length()) {
        FloatVector.fromArray(F, g, i).mul(k).intoArray(g, i);
      }
    }
    for (; i < g.length; i++) {
      g[i] *= k;
    }
  }
}
