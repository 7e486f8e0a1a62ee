package dev.lathe.transformer.optim;

import dev.lathe.transformer.train.Parameter;
import java.util.List;

/** Clipping of the global gradient norm, as in {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {
  private GradientClipping() {}

  /** The L2 norm of all gradients together (summed in double, in parameter order). */
  public static double globalNorm(List<Parameter> parameters) {
    double sum = 0;
    for (Parameter p : parameters) {
      for (float g : p.grad()) {
        sum += (double) g * g;
      }
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales every gradient by {@code maxNorm / norm} when the global norm exceeds {@code maxNorm}.
   *
   * @return the norm before clipping
   */
  public static double clip(List<Parameter> parameters, double maxNorm) {
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("max gradient norm must be positive, got " + maxNorm);
    }
    double norm = globalNorm(parameters);
    if (norm > maxNorm) {
      float scale = (float) (maxNorm / (norm + 1e-6));
      for (Parameter p : parameters) {
        float[] g = p.grad();
        for (int k = 0; k < g.length; k++) {
          g[k] *= scale;
        }
      }
    }
    return norm;
  }
}
