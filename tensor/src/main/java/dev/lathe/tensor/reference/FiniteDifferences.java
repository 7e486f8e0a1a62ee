package dev.lathe.tensor.reference;

import java.util.function.ToDoubleFunction;

/** Central finite differences and the error measure the gradient tests use. */
public final class FiniteDifferences {
  private FiniteDifferences() {}

  /**
   * {@code d loss / d x[i] ≈ (loss(x + h e_i) − loss(x − h e_i)) / 2h} for every i. {@code x} is
   * perturbed in place and restored exactly.
   */
  public static double[] gradient(double[] x, ToDoubleFunction<double[]> loss, double h) {
    double[] g = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double keep = x[i];
      x[i] = keep + h;
      double up = loss.applyAsDouble(x);
      x[i] = keep - h;
      double down = loss.applyAsDouble(x);
      x[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  }

  /**
   * Norm-wise relative error {@code ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂, 1e-300)}: one number for a whole
   * gradient, insensitive to the few components that are zero or nearly so.
   */
  public static double relativeError(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double diff = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (a[i] - b[i]);
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return Math.sqrt(diff) / Math.max(Math.sqrt(Math.max(na, nb)), 1e-300);
  }

  /** {@code Σ a[i] · b[i]}: turns an output into a scalar loss with random weights {@code b}. */
  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
