package dev.lathe.transformer;

import dev.lathe.tensor.Gemm;

/**
 * A fully connected layer: {@code out = in · weightᵀ + bias}, the weight stored [out, in]. Backward
 * needs {@code in} and {@code weight}.
 */
final class Linear {
  private Linear() {}

  /**
   *
   *
   * <pre>
   * // out: (N, OC)   in: (N, IC)   weight: (OC, IC)   bias: (OC) or null
   * </pre>
   */
  static void forward(
      float[] out, float[] in, float[] weight, float[] bias, int n, int ic, int oc) {
    Gemm.mulNT(in, 0, weight, 0, out, 0, n, oc, ic, false);
    addBias(out, bias, n, oc);
  }

  /**
   * The same with the weight held as a {@link WeightMatrix} (f32 or bf16): one batched product for
   * all {@code n} rows.
   *
   * <pre>
   * // out: (N, weight.rows)   in: (N, weight.cols)   bias: (weight.rows) or null
   * </pre>
   */
  static void forward(float[] out, float[] in, WeightMatrix weight, float[] bias, int n) {
    weight.mulNT(in, 0, out, 0, n);
    addBias(out, bias, n, weight.rows);
  }

  /**
   * Two or three layers on the same input, e.g. the query, key and value projections: for one row
   * ({@code n == 1}, a decode step) one pass over all their weights ({@link
   * WeightMatrix#mulFused}), otherwise one batched product each; the same bits either way. {@code
   * c} and its operands may be null.
   *
   * <pre>
   * // outA: (N, a.rows)   in: (N, a.cols)   biasA: (a.rows) or null; the same for b and c
   * </pre>
   */
  static void forward(
      float[] in,
      int n,
      float[] outA,
      WeightMatrix a,
      float[] biasA,
      float[] outB,
      WeightMatrix b,
      float[] biasB,
      float[] outC,
      WeightMatrix c,
      float[] biasC) {
    if (n != 1) {
      forward(outA, in, a, biasA, n);
      forward(outB, in, b, biasB, n);
      if (c != null) {
        forward(outC, in, c, biasC, n);
      }
      return;
    }
    WeightMatrix.mulFused(in, a, outA, b, outB, c, outC);
    addBias(outA, biasA, 1, a.rows);
    addBias(outB, biasB, 1, b.rows);
    if (c != null) {
      addBias(outC, biasC, 1, c.rows);
    }
  }

  /** {@code out[i] += bias} for each of the n rows of out (n, oc); nothing when bias is null. */
  static void addBias(float[] out, float[] bias, int n, int oc) {
    if (bias != null) {
      for (int i = 0; i < n; i++) {
        int o = i * oc;
        for (int j = 0; j < oc; j++) {
          out[o + j] += bias[j];
        }
      }
    }
  }
}
