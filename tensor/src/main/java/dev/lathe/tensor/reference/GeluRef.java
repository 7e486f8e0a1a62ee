package dev.lathe.tensor.reference;

/**
 * GELU, tanh approximation, in double: {@code y = x/2 · (1 + tanh(sqrt(2/π)(x + 0.044715 x³)))}.
 */
public final class GeluRef {
  private GeluRef() {}

  private static final double A = Math.sqrt(2 / Math.PI);
  private static final double B = 0.044715;

  /** {@code // x: (n) returns y: (n)} */
  public static double[] forward(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = 0.5 * x[i] * (1 + Math.tanh(A * (x[i] + B * x[i] * x[i] * x[i])));
    }
    return y;
  }

  /**
   * Adds dL/dx given dL/dy; with {@code t = tanh(u)}, {@code u = A(x + B x³)}: {@code dy/dx = (1 +
   * t)/2 + x/2 · (1 − t²) · A(1 + 3B x²)}.
   *
   * <pre>
   * // dx: (n) += ; dy, x: (n)
   * </pre>
   */
  public static void backward(double[] dx, double[] dy, double[] x) {
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      double t = Math.tanh(A * (v + B * v * v * v));
      double du = A * (1 + 3 * B * v * v);
      dx[i] += dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
    }
  }
}
