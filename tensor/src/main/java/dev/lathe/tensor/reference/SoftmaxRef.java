package dev.lathe.tensor.reference;

/** Row-wise softmax in double: {@code y_i = exp(x_i − max) / Σ_k exp(x_k − max)}. */
public final class SoftmaxRef {
  private SoftmaxRef() {}

  /** {@code // x: (rows, n) returns y: (rows, n)} */
  public static double[] forward(double[] x, int rows, int n) {
    double[] y = new double[rows * n];
    for (int r = 0; r < rows; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        max = Math.max(max, x[r * n + i]);
      }
      double sum = 0;
      for (int i = 0; i < n; i++) {
        y[r * n + i] = Math.exp(x[r * n + i] - max);
        sum += y[r * n + i];
      }
      for (int i = 0; i < n; i++) {
        y[r * n + i] /= sum;
      }
    }
    return y;
  }

  /**
   * Adds dL/dx given dL/dy and the forward output y: {@code dy_i/dx_k = y_i (δ_ik − y_k)}.
   *
   * <pre>
   * // dx: (rows, n) += ; dy, y: (rows, n)
   * </pre>
   */
  public static void backward(double[] dx, double[] dy, double[] y, int rows, int n) {
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < n; k++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          double jac = y[r * n + i] * ((i == k ? 1 : 0) - y[r * n + k]);
          s += dy[r * n + i] * jac;
        }
        dx[r * n + k] += s;
      }
    }
  }
}
