package dev.lathe.tensor.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.Rope;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Every reference backward equals central finite differences of its forward. Each output is turned
 * into a scalar loss {@code L = Σ r_i y_i} with random {@code r} (so {@code dL/dy = r}); the
 * analytic gradient must match the numeric one to a norm-wise relative error below {@value #TOL}
 * (see {@link FiniteDifferences#relativeError}), with step {@value #H}.
 */
class ReferenceGradientTest {
  static final double H = 1e-6;
  static final double TOL = 1e-6;
  static final int[] SIZES = {1, 7, 33};
  private static final double EPS = 1e-5;

  private static double[] random(long seed, int n, double scale) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = (r.nextDouble() * 2 - 1) * scale;
    }
    return a;
  }

  private static void check(
      double[] x, ToDoubleFunction<double[]> loss, double[] analytic, String what) {
    double[] numeric = FiniteDifferences.gradient(x, loss, H);
    double err = FiniteDifferences.relativeError(analytic, numeric);
    assertThat(err).as("%s: relative error vs finite differences", what).isLessThan(TOL);
  }

  @Test
  void rmsNorm() {
    for (int c : SIZES) {
      int n = 3;
      double[] x = random(c, n * c, 2);
      double[] w = random(c + 1, c, 1.5);
      double[] r = random(c + 2, n * c, 1);
      double[] dx = new double[n * c];
      double[] dw = new double[c];
      RmsNormRef.backward(dx, dw, r, x, w, n, c, EPS);
      check(x, v -> FiniteDifferences.dot(RmsNormRef.forward(v, w, n, c, EPS), r), dx, "dx C=" + c);
      check(w, v -> FiniteDifferences.dot(RmsNormRef.forward(x, v, n, c, EPS), r), dw, "dw C=" + c);
    }
  }

  @Test
  void layerNorm() {
    for (int c : SIZES) {
      if (c == 1) {
        continue; // one value normalises to 0 whatever it is: dx is 0 and so is the check's scale
      }
      int n = 3;
      double[] x = random(c, n * c, 2);
      double[] w = random(c + 1, c, 1.5);
      double[] b = random(c + 3, c, 1);
      double[] r = random(c + 2, n * c, 1);
      double[] dx = new double[n * c];
      double[] dw = new double[c];
      double[] db = new double[c];
      LayerNormRef.backward(dx, dw, db, r, x, w, n, c, EPS);
      check(
          x,
          v -> FiniteDifferences.dot(LayerNormRef.forward(v, w, b, n, c, EPS), r),
          dx,
          "dx C=" + c);
      check(
          w,
          v -> FiniteDifferences.dot(LayerNormRef.forward(x, v, b, n, c, EPS), r),
          dw,
          "dw C=" + c);
      check(
          b,
          v -> FiniteDifferences.dot(LayerNormRef.forward(x, w, v, n, c, EPS), r),
          db,
          "db C=" + c);
    }
  }

  @Test
  void softmax() {
    for (int n : SIZES) {
      if (n == 1) {
        continue; // a one-element softmax is constant 1: its gradient is exactly 0
      }
      int rows = 2;
      double[] x = random(n, rows * n, 4);
      double[] r = random(n + 1, rows * n, 1);
      double[] dx = new double[rows * n];
      SoftmaxRef.backward(dx, r, SoftmaxRef.forward(x, rows, n), rows, n);
      check(x, v -> FiniteDifferences.dot(SoftmaxRef.forward(v, rows, n), r), dx, "n=" + n);
    }
  }

  @Test
  void ropeBothStylesWithAndWithoutScaling() {
    double[] plain = RopeRef.inverseFrequencies(14, 10000);
    double[][] frequencies = {
      plain, RopeRef.linear(plain, 4), RopeRef.llama3(plain, 8, 1, 4, 64),
    };
    for (Rope.Style style : Rope.Style.values()) {
      for (double[] inv : frequencies) {
        int heads = 3;
        double[] x = random(5, heads * 14, 2);
        double[] r = random(6, heads * 14, 1);
        double[] dx = new double[heads * 14];
        RopeRef.backward(style, dx, r, heads, 14, inv, 37);
        check(
            x,
            v -> FiniteDifferences.dot(RopeRef.forward(style, v, heads, 14, inv, 37), r),
            dx,
            style.toString());
      }
    }
  }

  @Test
  void swiGluAndGelu() {
    for (int n : SIZES) {
      double[] g = random(n, n, 4);
      double[] u = random(n + 1, n, 2);
      double[] r = random(n + 2, n, 1);
      double[] dg = new double[n];
      double[] du = new double[n];
      SwiGluRef.backward(dg, du, r, g, u);
      check(g, v -> FiniteDifferences.dot(SwiGluRef.forward(v, u), r), dg, "SwiGLU dgate n=" + n);
      check(u, v -> FiniteDifferences.dot(SwiGluRef.forward(g, v), r), du, "SwiGLU dup n=" + n);
      double[] dx = new double[n];
      GeluRef.backward(dx, r, g);
      check(g, v -> FiniteDifferences.dot(GeluRef.forward(v), r), dx, "GELU n=" + n);
    }
  }

  @Test
  void residual() {
    double[] a = random(4, 33, 1);
    double[] b = random(5, 33, 1);
    double[] ra = random(6, 33, 1);
    double[] da = new double[33];
    double[] db = new double[33];
    ResidualRef.backward(da, db, ra);
    check(a, v -> FiniteDifferences.dot(ResidualRef.forward(v, b), ra), da, "residual da");
    check(b, v -> FiniteDifferences.dot(ResidualRef.forward(a, v), ra), db, "residual db");
  }

  @Test
  void crossEntropyWithMasksAndScales() {
    for (int v : new int[] {1, 7, 33, 129}) {
      int n = 5;
      double[] logits = random(v, n * v, 6);
      int[] targets = {0, -1, v - 1, v / 2, -1};
      double[] scale = {0.5, 3, 1.25, 0.1, 2};
      double[] d = new double[n * v];
      CrossEntropyRef.backward(d, logits, targets, scale, n, v);
      if (v > 1) {
        check(logits, z -> CrossEntropyRef.loss(z, targets, scale, n, v), d, "V=" + v);
      }
      for (int j = 0; j < v; j++) { // masked rows get nothing
        assertThat(d[v + j]).isZero();
        assertThat(d[4 * v + j]).isZero();
      }
    }
  }

  @Test
  void crossEntropyIsStableForHugeLogits() {
    double[] logits = {1000, 1000, -1000};
    double[] nll = CrossEntropyRef.forward(logits, new int[] {0}, 1, 3);
    assertThat(nll[0]).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-12));
  }
}
