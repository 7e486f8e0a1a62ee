package dev.lathe.transformer.train;

/**
 * Backward passes of the element-wise kernels the training path uses (RMSNorm, SwiGLU), written
 * from their forward definitions in {@code dev.lathe.tensor}. Every method accumulates into its
 * gradient outputs.
 */
final class KernelBackward {
  private KernelBackward() {}

  /**
   * Backward of {@code y = x · rstd · w} with {@code rstd = 1/√(mean(x²) + eps)} saved by forward.
   *
   * <pre>
   * // dx: (N, C) accumulated   dw: (C) accumulated or null   dy, x: (N, C)   w: (C)   rstd: (N)
   * </pre>
   */
  static void rmsNorm(
      float[] dx, float[] dw, float[] dy, float[] x, float[] w, float[] rstd, int n, int c) {
    for (int i = 0; i < n; i++) {
      int o = i * c;
      float r = rstd[i];
      float dot = 0; // Σ_j dy_j · w_j · x_j
      for (int j = 0; j < c; j++) {
        dot += dy[o + j] * w[j] * x[o + j];
      }
      float k = r * r * r * dot / c;
      for (int j = 0; j < c; j++) {
        dx[o + j] += r * dy[o + j] * w[j] - k * x[o + j];
      }
      if (dw != null) {
        for (int j = 0; j < c; j++) {
          dw[j] += dy[o + j] * x[o + j] * r;
        }
      }
    }
  }

  /**
   * Backward of {@code h = silu(g) · u}, {@code silu(g) = g · σ(g)}. Overwrites {@code dg} and
   * {@code du}.
   *
   * <pre>
   * // dg, du, dh, g, u: (N)
   * </pre>
   */
  static void swiGlu(float[] dg, float[] du, float[] dh, float[] g, float[] u, int n) {
    for (int i = 0; i < n; i++) {
      float sig = (float) (1 / (1 + Math.exp(-g[i])));
      float silu = g[i] * sig;
      du[i] = dh[i] * silu;
      dg[i] = dh[i] * u[i] * sig * (1 + g[i] * (1 - sig));
    }
  }
}
