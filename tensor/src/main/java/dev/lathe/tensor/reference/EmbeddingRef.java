package dev.lathe.tensor.reference;

/** Embedding lookup in double: {@code y[t] = wte[tokens[t]] (+ wpe[pos0 + t])}. */
public final class EmbeddingRef {
  private EmbeddingRef() {}

  /** {@code // tokens: (T) wte: (V, C) wpe: (maxT, C) or null returns y: (T, C)} */
  public static double[] forward(int[] tokens, double[] wte, double[] wpe, int pos0, int c) {
    double[] y = new double[tokens.length * c];
    for (int t = 0; t < tokens.length; t++) {
      for (int j = 0; j < c; j++) {
        y[t * c + j] = wte[tokens[t] * c + j] + (wpe == null ? 0 : wpe[(pos0 + t) * c + j]);
      }
    }
    return y;
  }

  /**
   * Adds dL/dwte and dL/dwpe given dL/dy.
   *
   * <pre>
   * // dWte: (V, C) += or null ; dWpe: (maxT, C) += or null ; dy: (T, C)
   * </pre>
   */
  public static void backward(
      double[] dWte, double[] dWpe, double[] dy, int[] tokens, int pos0, int c) {
    for (int t = 0; t < tokens.length; t++) {
      for (int j = 0; j < c; j++) {
        if (dWte != null) {
          dWte[tokens[t] * c + j] += dy[t * c + j];
        }
        if (dWpe != null) {
          dWpe[(pos0 + t) * c + j] += dy[t * c + j];
        }
      }
    }
  }
}
