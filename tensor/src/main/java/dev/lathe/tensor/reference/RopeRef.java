package dev.lathe.tensor.reference;

import dev.lathe.tensor.Rope;

/**
 * Rotary position embedding in double, angles computed directly from the frequencies (no table).
 * Pair {@code i} of a head is {@code (2i, 2i+1)} for {@link Rope.Style#INTERLEAVED} and {@code (i,
 * i + d/2)} for {@link Rope.Style#ROTATE_HALF}; it turns by {@code pos · invFreq[i]}.
 */
public final class RopeRef {
  private RopeRef() {}

  /** Unscaled frequencies {@code theta^(−2i/d)}, {@code i < d/2}. */
  public static double[] inverseFrequencies(int headDim, double theta) {
    double[] f = new double[headDim / 2];
    for (int i = 0; i < f.length; i++) {
      f[i] = Math.pow(theta, -2.0 * i / headDim);
    }
    return f;
  }

  /** Linear scaling: every frequency divided by {@code factor}. */
  public static double[] linear(double[] invFreq, double factor) {
    double[] f = new double[invFreq.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = invFreq[i] / factor;
    }
    return f;
  }

  /**
   * Llama 3 scaling: wavelengths shorter than {@code originalMax / high} kept, longer than {@code
   * originalMax / low} divided by {@code factor}, linearly blended in between (in 1/wavelength).
   */
  public static double[] llama3(
      double[] invFreq, double factor, double low, double high, int originalMax) {
    double[] f = new double[invFreq.length];
    for (int i = 0; i < f.length; i++) {
      double wavelength = 2 * Math.PI / invFreq[i];
      if (wavelength < originalMax / high) {
        f[i] = invFreq[i];
      } else if (wavelength > originalMax / low) {
        f[i] = invFreq[i] / factor;
      } else {
        double t = (originalMax / wavelength - low) / (high - low);
        f[i] = t * invFreq[i] + (1 - t) * invFreq[i] / factor;
      }
    }
    return f;
  }

  /** {@code // x: (nHeads, headDim) of one position returns the rotated copy} */
  public static double[] forward(
      Rope.Style style, double[] x, int nHeads, int headDim, double[] invFreq, int pos) {
    double[] y = x.clone();
    int half = headDim / 2;
    for (int h = 0; h < nHeads; h++) {
      for (int i = 0; i < half; i++) {
        int a = first(style, h, headDim, i);
        int b = second(style, h, headDim, i);
        double c = Math.cos(pos * invFreq[i]);
        double s = Math.sin(pos * invFreq[i]);
        y[a] = x[a] * c - x[b] * s;
        y[b] = x[a] * s + x[b] * c;
      }
    }
    return y;
  }

  /**
   * Adds dL/dx given dL/dy: the transpose of each 2×2 rotation.
   *
   * <pre>
   * // dx: (nHeads, headDim) += ; dy: (nHeads, headDim)
   * </pre>
   */
  public static void backward(
      Rope.Style style,
      double[] dx,
      double[] dy,
      int nHeads,
      int headDim,
      double[] invFreq,
      int pos) {
    int half = headDim / 2;
    for (int h = 0; h < nHeads; h++) {
      for (int i = 0; i < half; i++) {
        int a = first(style, h, headDim, i);
        int b = second(style, h, headDim, i);
        double c = Math.cos(pos * invFreq[i]);
        double s = Math.sin(pos * invFreq[i]);
        dx[a] += dy[a] * c + dy[b] * s;
        dx[b] += -dy[a] * s + dy[b] * c;
      }
    }
  }

  private static int first(Rope.Style style, int h, int headDim, int i) {
    return h * headDim + (style == Rope.Style.INTERLEAVED ? 2 * i : i);
  }

  private static int second(Rope.Style style, int h, int headDim, int i) {
    return h * headDim + (style == Rope.Style.INTERLEAVED ? 2 * i + 1 : i + headDim / 2);
  }
}
