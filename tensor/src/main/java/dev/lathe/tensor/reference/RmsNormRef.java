package dev.lathe.tensor.reference;

/** RMSNorm in double: {@code y = x / sqrt(mean(x²) + eps) * w}, row by row. */
public final class RmsNormRef {
  private RmsNormRef() {}

  /** {@code // x: (N, C) w: (C) returns y: (N, C)} */
  public static double[] forward(double[] x, double[] w, int n, int c, double eps) {
    double[] y = new double[n * c];
    for (int i = 0; i < n; i++) {
      double r = rstd(x, i, c, eps);
      for (int j = 0; j < c; j++) {
        y[i * c + j] = x[i * c + j] * r * w[j];
      }
    }
    return y;
  }

  /**
   * Adds dL/dx and dL/dw given dL/dy.
   *
   * <pre>
   * // dx: (N, C) += ; dw: (C) += or null ; dy, x: (N, C) ; w: (C)
   * </pre>
   */
  public static void backward(
      double[] dx, double[] dw, double[] dy, double[] x, double[] w, int n, int c, double eps) {
    for (int i = 0; i < n; i++) {
      double r = rstd(x, i, c, eps);
      // y_j = x_j r w_j, r = (Σ x²/C + eps)^(-1/2), dr/dx_k = -r³ x_k / C
      double dr = 0; // dL/dr
      for (int j = 0; j < c; j++) {
        dr += dy[i * c + j] * x[i * c + j] * w[j];
      }
      for (int k = 0; k < c; k++) {
        double xk = x[i * c + k];
        dx[i * c + k] += dy[i * c + k] * r * w[k] + dr * (-r * r * r * xk / c);
        if (dw != null) {
          dw[k] += dy[i * c + k] * xk * r;
        }
      }
    }
  }

  private static double rstd(double[] x, int row, int c, double eps) {
    double ss = 0;
    for (int j = 0; j < c; j++) {
      ss += x[row * c + j] * x[row * c + j];
    }
    return 1 / Math.sqrt(ss / c + eps);
  }
}
