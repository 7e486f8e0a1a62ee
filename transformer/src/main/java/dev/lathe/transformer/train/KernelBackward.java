package dev.lathe.transformer.train;

/**
 * Backward passes of the element-wise kernels the training path uses (RMSNorm, LayerNorm, SwiGLU,
 * GELU), written from their forward definitions in {@code dev.lathe.tensor}. Every method
 * accumulates into its gradient outputs.
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

  /**
   * Backward of {@code y = (x − mean) · rstd · w + b} with mean and rstd saved by forward.
   *
   * <pre>
   * // dx: (N, C) accumulated   dw, db: (C) accumulated or null   dy, x: (N, C)   mean, rstd: (N)
   * </pre>
   */
  static void layerNorm(
      float[] dx,
      float[] dw,
      float[] db,
      float[] dy,
      float[] x,
      float[] w,
      float[] mean,
      float[] rstd,
      int n,
      int c) {
    for (int i = 0; i < n; i++) {
      int o = i * c;
      float m = mean[i];
      float r = rstd[i];
      float dnormMean = 0; // mean of dy·w
      float dnormNormMean = 0; // mean of dy·w·xhat
      for (int j = 0; j < c; j++) {
        float xhat = (x[o + j] - m) * r;
        float dn = dy[o + j] * w[j];
        dnormMean += dn;
        dnormNormMean += dn * xhat;
      }
      dnormMean /= c;
      dnormNormMean /= c;
      for (int j = 0; j < c; j++) {
        float xhat = (x[o + j] - m) * r;
        float dn = dy[o + j] * w[j];
        dx[o + j] += r * (dn - dnormMean - xhat * dnormNormMean);
        if (dw != null) {
          dw[j] += dy[o + j] * xhat;
          db[j] += dy[o + j];
        }
      }
    }
  }

  private static final double GELU_SCALE = Math.sqrt(2 / Math.PI);

  /**
   * Backward of the tanh GELU {@code y = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))}. Overwrites
   * {@code dx}.
   *
   * <pre>
   * // dx, dy, x: (N)
   * </pre>
   */
  static void gelu(float[] dx, float[] dy, float[] x, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      double u = GELU_SCALE * (v + 0.044715 * v * v * v);
      double th = Math.tanh(u);
      double du = GELU_SCALE * (1 + 3 * 0.044715 * v * v);
      dx[i] = (float) (dy[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * du));
    }
  }
}
