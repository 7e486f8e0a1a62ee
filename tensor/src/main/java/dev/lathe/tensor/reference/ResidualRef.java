package dev.lathe.tensor.reference;

/** Residual addition in double: {@code y = a + b}; both inputs receive dL/dy unchanged. */
public final class ResidualRef {
  private ResidualRef() {}

  /** {@code // a, b: (n) returns y: (n)} */
  public static double[] forward(double[] a, double[] b) {
    double[] y = new double[a.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = a[i] + b[i];
    }
    return y;
  }

  /** Adds dL/dy to dL/da and dL/db. {@code // dA, dB: (n) += or null ; dy: (n)} */
  public static void backward(double[] dA, double[] dB, double[] dy) {
    for (int i = 0; i < dy.length; i++) {
      if (dA != null) {
        dA[i] += dy[i];
      }
      if (dB != null) {
        dB[i] += dy[i];
      }
    }
  }
}
