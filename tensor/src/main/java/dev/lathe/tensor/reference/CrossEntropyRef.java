package dev.lathe.tensor.reference;

/**
 * Masked cross-entropy in double: per row {@code nll = log Σ_j exp(z_j) − z[target]} (computed with
 * the row maximum subtracted), 0 where {@code target == -1}.
 */
public final class CrossEntropyRef {
  private CrossEntropyRef() {}

  /** {@code // logits: (N, V) targets: (N), -1 = no loss returns nll: (N)} */
  public static double[] forward(double[] logits, int[] targets, int n, int v) {
    double[] nll = new double[n];
    for (int i = 0; i < n; i++) {
      if (targets[i] >= 0) {
        nll[i] = logSumExp(logits, i, v) - logits[i * v + targets[i]];
      }
    }
    return nll;
  }

  /** {@code Σ_i scale[i] · nll[i]}: the objective whose gradient {@link #backward} gives. */
  public static double loss(double[] logits, int[] targets, double[] scale, int n, int v) {
    double[] nll = forward(logits, targets, n, v);
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += scale[i] * nll[i];
    }
    return s;
  }

  /** Index of the largest logit of row {@code i} (the first one on ties). */
  public static int argmax(double[] logits, int i, int v) {
    int best = 0;
    for (int j = 1; j < v; j++) {
      if (logits[i * v + j] > logits[i * v + best]) {
        best = j;
      }
    }
    return best;
  }

  /**
   * Adds d{@link #loss}/dlogits: {@code scale[i] · (softmax_j − [j == target])} on trained rows.
   *
   * <pre>
   * // dLogits: (N, V) += ; logits: (N, V) ; targets, scale: (N)
   * </pre>
   */
  public static void backward(
      double[] dLogits, double[] logits, int[] targets, double[] scale, int n, int v) {
    for (int i = 0; i < n; i++) {
      if (targets[i] < 0) {
        continue;
      }
      double lse = logSumExp(logits, i, v);
      for (int j = 0; j < v; j++) {
        double p = Math.exp(logits[i * v + j] - lse);
        dLogits[i * v + j] += scale[i] * (p - (j == targets[i] ? 1 : 0));
      }
    }
  }

  private static double logSumExp(double[] logits, int i, int v) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < v; j++) {
      max = Math.max(max, logits[i * v + j]);
    }
    double sum = 0;
    for (int j = 0; j < v; j++) {
      sum += Math.exp(logits[i * v + j] - max);
    }
    return max + Math.log(sum);
  }
}
