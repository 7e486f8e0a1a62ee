package dev.lathe.tensor.reference;

/** LayerNorm in double: {@code y = (x − mean) / sqrt(var + eps) * w + b}, biased variance. */
public final class LayerNormRef {
  private LayerNormRef() {}

  /** {@code // x: (N, C) w, b: (C) returns y: (N, C)} */
  public static double[] forward(double[] x, double[] w, double[] b, int n, int c, double eps) {
    double[] y = new double[n * c];
    for (int i = 0; i < n; i++) {
      double m = mean(x, i, c);
      double r = rstd(x, i, c, m, eps);
      for (int j = 0; j < c; j++) {
        y[i * c + j] = (x[i * c + j] - m) * r * w[j] + b[j];
      }
    }
    return y;
  }

  /**
   * Adds dL/dx, dL/dw and dL/db given dL/dy.
   *
   * <pre>
   * // dx: (N, C) += ; dw, db: (C) += or null ; dy, x: (N, C) ; w: (C)
   * </pre>
   */
  public static void backward(
      double[] dx,
      double[] dw,
      double[] db,
      double[] dy,
      double[] x,
      double[] w,
      int n,
      int c,
      double eps) {
    for (int i = 0; i < n; i++) {
      double m = mean(x, i, c);
      double r = rstd(x, i, c, m, eps);
      // xhat_j = (x_j − m) r ; dL/dxhat_j = dy_j w_j
      // dxhat_j/dx_k = r (δ_jk − 1/C) − xhat_j xhat_k r / C
      double sumG = 0;
      double sumGHat = 0;
      for (int j = 0; j < c; j++) {
        double g = dy[i * c + j] * w[j];
        sumG += g;
        sumGHat += g * (x[i * c + j] - m) * r;
      }
      for (int k = 0; k < c; k++) {
        double hat = (x[i * c + k] - m) * r;
        double g = dy[i * c + k] * w[k];
        dx[i * c + k] += r * g - r * sumG / c - hat * r * sumGHat / c;
        if (dw != null) {
          dw[k] += dy[i * c + k] * hat;
        }
        if (db != null) {
          db[k] += dy[i * c + k];
        }
      }
    }
  }

  private static double mean(double[] x, int row, int c) {
    double s = 0;
    for (int j = 0; j < c; j++) {
      s += x[row * c + j];
    }
    return s / c;
  }

  private static double rstd(double[] x, int row, int c, double m, double eps) {
    double v = 0;
    for (int j = 0; j < c; j++) {
      v += (x[row * c + j] - m) * (x[row * c + j] - m);
    }
    return 1 / Math.sqrt(v / c + eps);
  }
}
