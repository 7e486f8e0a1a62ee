package dev.lathe.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Runs every Vector API kernel with a floating-point reduction or a vector math function (and the
 * matrix products) once on fixed small inputs and returns the raw bits of all outputs, so that two
 * JVM states (interpreted fallback vs. JIT-compiled intrinsics) can be compared bit for bit. {@link
 * #main} prints them, for a child JVM started with {@code -Xint}.
 */
final class KernelBits {
  private KernelBits() {}

  /** Sizes with a vector body and a scalar tail on every lane count up to 16. */
  static final int C = 53;

  static final int ROWS = 2;

  /** Inputs of the element-wise math kernels (exp, tanh): enough to hit rare disagreements. */
  static final int MANY = 2053;

  /** One bit string per kernel, named, in a fixed order. */
  static List<String> run() {
    return run(MANY);
  }

  /**
   * As {@link #run()} with {@code many} inputs for the element-wise math kernels; a smaller count
   * warms the same code up faster.
   */
  static List<String> run(int many) {
    SplittableRandom r = new SplittableRandom(7);
    float[] x = gaussian(r, ROWS * C);
    float[] y = gaussian(r, ROWS * C);
    float[] w = gaussian(r, C);
    float[] b = gaussian(r, C);
    List<String> out = new ArrayList<>();

    float[] soft = x.clone();
    Softmax.forwardVector(soft, 0, C);
    out.add("softmax.forward " + bits(soft));
    float[] dx = new float[C];
    Softmax.backwardVector(dx, 0, soft, 0, y, 0, C);
    out.add("softmax.backward " + bits(dx));

    float[] o = new float[ROWS * C];
    float[] rstd = new float[ROWS];
    RmsNorm.forwardVector(o, 0, x, 0, w, rstd, ROWS, C, 1e-5f);
    out.add("rmsnorm.forward " + bits(o) + bits(rstd));
    float[] dIn = new float[ROWS * C];
    float[] dW = new float[C];
    RmsNorm.backwardVector(dIn, 0, dW, y, 0, x, 0, w, rstd, ROWS, C);
    out.add("rmsnorm.backward " + bits(dIn) + bits(dW));

    float[] mean = new float[ROWS];
    LayerNorm.forwardVector(o, 0, x, 0, w, b, mean, rstd, ROWS, C, 1e-5f);
    out.add("layernorm.forward " + bits(o) + bits(mean) + bits(rstd));

    double[] nll = new double[ROWS];
    boolean[] correct = new boolean[ROWS];
    float[] logits = x.clone();
    CrossEntropy.forwardBackwardInPlaceVector(
        nll, correct, logits, new int[] {3, 40}, 0, new float[] {0.5f, 0.5f}, ROWS, C);
    out.add(
        "crossentropy "
            + Double.doubleToRawLongBits(nll[0])
            + " "
            + Double.doubleToRawLongBits(nll[1])
            + bits(logits));

    // the element-wise exponentials and tanh on many inputs over a wide range: a vector math
    // library and the plain-Java fallback agree on most inputs and differ on a few in a thousand
    float[] wide = wide(r, many);
    float[] up = wide(r, many);
    float[] s = new float[many];
    SwiGlu.forwardVector(s, wide, up, many);
    out.add("swiglu.forward " + bits(s));
    float[] dGate = new float[many];
    float[] dUp = new float[many];
    SwiGlu.backwardVector(dGate, dUp, up, wide, up, many);
    out.add("swiglu.backward " + bits(dGate) + bits(dUp));
    float[] g = new float[many];
    Gelu.forwardVector(g, wide, many);
    out.add("gelu.forward " + bits(g));
    float[] dg = new float[many];
    Gelu.backwardVector(dg, up, wide, many);
    out.add("gelu.backward " + bits(dg));
    // matrix products (Gemm's packed kernels for m > 1, MatVec's for m == 1): A (m, C), B (7, C)
    float[] bt = gaussian(r, 7 * C);
    for (int m : new int[] {1, ROWS}) {
      float[] c = new float[m * 7];
      Gemm.mulNT(x, 0, bt, 0, c, 0, m, 7, C, false);
      out.add("gemm.mulNT m=" + m + bits(c));
      float[] cn = new float[m * C];
      Gemm.mulNN(c, 0, bt, 0, cn, 0, m, C, 7, false);
      out.add("gemm.mulNN m=" + m + bits(cn));
    }
    float[] ct = new float[C * 7];
    Gemm.mulTN(x, 0, y, 0, ct, 0, C, 7, ROWS, false);
    out.add("gemm.mulTN " + bits(ct));
    // the batched decode step's product, f32 and bf16 weights: 5 rows of x (5, C), W (7, C)
    float[] xs = gaussian(r, 5 * C);
    short[] half = Bf16.fromFloat(bt);
    float[] yb = new float[5 * 7];
    BatchMatVec.mulNT(ComputePool.common(), xs, 0, bt, yb, 0, 5, 7, C);
    out.add("batchmatvec f32 " + bits(yb));
    BatchMatVec.mulNT(ComputePool.common(), xs, 0, half, yb, 0, 5, 7, C);
    out.add("batchmatvec bf16 " + bits(yb));
    float[] c1 = new float[7];
    Gemm.mulNT(x, 0, half, 0, c1, 0, 1, 7, C, false);
    out.add("gemm.mulNT bf16 m=1" + bits(c1));
    if (SixteenDots.AVAILABLE) {
      // sixteen rows (stride C, the vector part of C) against row 0 of y
      float[] rows = gaussian(r, 16 * C);
      float[] d = new float[16];
      SixteenDots.dots(y, 0, rows, 0, C, C - C % 16, d, 0, new float[16 * MatVec.L]);
      out.add("sixteendots " + bits(d));
    }
    return out;
  }

  private static float[] gaussian(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble(-3, 3));
    }
    return a;
  }

  private static float[] wide(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble(-12, 12));
    }
    return a;
  }

  private static String bits(float[] a) {
    StringBuilder sb = new StringBuilder();
    for (float v : a) {
      sb.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
    }
    return sb.toString();
  }

  public static void main(String[] args) {
    for (String line : run()) {
      System.out.println(line);
    }
  }
}
