package dev.lathe.tensor;

import static dev.lathe.tensor.GradientAssert.assertClose;
import static dev.lathe.tensor.GradientAssert.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.reference.CrossEntropyRef;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** CrossEntropy forward and backward, scalar and vector, against the double reference. */
class CrossEntropyTest {
  private static final int N = 5;

  /**
   * Rows: 0 trained (its target is the argmax), 1 masked, 2 shifted by +500, 3 trained, 4 masked.
   */
  private static float[] logits(int v) {
    float[] z = RandomArrays.uniform(v, N * v, 8f);
    z[0] = 9f; // row 0, target 0: the argmax
    for (int j = 0; j < v; j++) {
      z[2 * v + j] += 500f;
    }
    return z;
  }

  private static int[] targets(int v) {
    return new int[] {7, 0, -1, v - 1, v / 2, -1}; // read from offset 1
  }

  private static final float[] SCALE = {99f, 0.5f, 3f, 1.25f, 0.1f, 2f}; // read from offset 1

  @Test
  void lossesAndArgmaxFlagsMatchTheReference() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int v : RandomArrays.ODD_SIZES) {
        float[] z = logits(v);
        int[] t = targets(v);
        double[] nll = new double[N];
        boolean[] correct = new boolean[N];
        if (vector) {
          CrossEntropy.forwardVector(nll, correct, z, t, 1, N, v);
        } else {
          CrossEntropy.forwardScalar(nll, correct, z, t, 1, N, v);
        }
        int[] refTargets = java.util.Arrays.copyOfRange(t, 1, N + 1);
        double[] want = CrossEntropyRef.forward(toDouble(z), refTargets, N, v);
        String what = (vector ? "vector" : "scalar") + " V=" + v;
        for (int i = 0; i < N; i++) {
          // scalar: double sums, only the final roundings; vector: float exponentials
          double tol = vector ? 1e-6 * Math.max(1, Math.abs(want[i])) : 1e-12;
          assertThat(nll[i]).as("nll row %d %s", i, what).isCloseTo(want[i], Offset.offset(tol));
          boolean hit =
              refTargets[i] >= 0 && CrossEntropyRef.argmax(toDouble(z), i, v) == refTargets[i];
          assertThat(correct[i]).as("correct row %d %s", i, what).isEqualTo(hit);
        }
        assertThat(correct[0]).as(what).isTrue();
        assertThat(nll[1]).isZero();
        assertThat(nll[4]).isZero();
        assertThat(nll[2]).as("shifted row is finite " + what).isFinite();
      }
    }
  }

  @Test
  void backwardAccumulatesScaleTimesSoftmaxMinusOneHot() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int v : RandomArrays.ODD_SIZES) {
        float[] z = logits(v);
        int[] t = targets(v);
        float[] d = RandomArrays.uniform(v + 1, N * v, 1f);
        float[] before = d.clone();
        double[] want = toDouble(d);
        CrossEntropyRef.backward(
            want,
            toDouble(z),
            java.util.Arrays.copyOfRange(t, 1, N + 1),
            toDouble(java.util.Arrays.copyOfRange(SCALE, 1, N + 1)),
            N,
            v);
        if (vector) {
          CrossEntropy.backwardVector(d, z, t, 1, SCALE, N, v);
        } else {
          CrossEntropy.backwardScalar(d, z, t, 1, SCALE, N, v);
        }
        String what = (vector ? "vector" : "scalar") + " V=" + v;
        assertClose(d, want, what);
        for (int j = 0; j < v; j++) {
          assertThat(d[v + j]).as("masked row 1 untouched").isEqualTo(before[v + j]);
          assertThat(d[4 * v + j]).as("masked row 4 untouched").isEqualTo(before[4 * v + j]);
        }
      }
    }
  }

  @Test
  void backwardInPlaceOverwritesLogitsAndZeroesMaskedRows() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int v : RandomArrays.ODD_SIZES) {
        float[] z = logits(v);
        int[] t = targets(v);
        double[] want = new double[N * v];
        CrossEntropyRef.backward(
            want,
            toDouble(z),
            java.util.Arrays.copyOfRange(t, 1, N + 1),
            toDouble(java.util.Arrays.copyOfRange(SCALE, 1, N + 1)),
            N,
            v);
        if (vector) {
          CrossEntropy.backwardInPlaceVector(z, t, 1, SCALE, N, v);
        } else {
          CrossEntropy.backwardInPlaceScalar(z, t, 1, SCALE, N, v);
        }
        String what = (vector ? "vector" : "scalar") + " V=" + v;
        if (v > 1) { // V = 1: the exact gradient is all zeros
          assertClose(z, want, what);
        }
        for (int j = 0; j < v; j++) {
          assertThat(z[v + j]).as("masked row 1 " + what).isZero();
          assertThat(z[4 * v + j]).as("masked row 4 " + what).isZero();
        }
        float rowSum = 0;
        for (int j = 0; j < v; j++) {
          rowSum += z[3 * v + j];
        }
        assertThat(rowSum)
            .as("a gradient row sums to 0, " + what)
            .isCloseTo(0f, Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void dispatchingEntryPointsAgreeWithTheirPathAndBadTargetsAreNamed() {
    int v = 33;
    float[] z = logits(v);
    int[] t = targets(v);
    double[] a = new double[N];
    double[] b = new double[N];
    CrossEntropy.forward(a, null, z, t, 1, N, v);
    if (KernelPath.vector()) {
      CrossEntropy.forwardVector(b, null, z, t, 1, N, v);
    } else {
      CrossEntropy.forwardScalar(b, null, z, t, 1, N, v);
    }
    assertThat(a).containsExactly(b);
    int[] bad = {0, 33};
    assertThatThrownBy(() -> CrossEntropy.forward(new double[2], null, z, bad, 0, 2, v))
        .hasMessageContaining("target 33 at index 1")
        .hasMessageContaining("[0, 33)");
    assertThatThrownBy(
            () -> CrossEntropy.backward(new float[2 * v], z, new int[] {-2, 0}, 0, SCALE, 2, v))
        .hasMessageContaining("target -2 at index 0");
  }

  @Test
  void vocabularySizedFlatRowsKeepTheLossAccurateOnBothPaths() {
    int v = 50257; // GPT-2: a flat row is where plain float summation of 50k terms drifts most
    float[] z = RandomArrays.uniform(3, 2 * v, 0.5f);
    int[] t = {17, v - 2};
    double[] want = CrossEntropyRef.forward(toDouble(z), t, 2, v);
    double[] s = new double[2];
    double[] w = new double[2];
    CrossEntropy.forwardScalar(s, null, z, t, 0, 2, v);
    CrossEntropy.forwardVector(w, null, z, t, 0, 2, v);
    for (int i = 0; i < 2; i++) {
      assertThat(s[i]).isCloseTo(want[i], Offset.offset(1e-10));
      assertThat(w[i]).isCloseTo(want[i], Offset.offset(1e-6));
    }
  }

  @Test
  void fusedForwardBackwardEqualsForwardThenBackwardInPlace() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int v : RandomArrays.ODD_SIZES) {
        float[] fused = logits(v);
        float[] apart = logits(v);
        int[] t = targets(v);
        double[] nllFused = new double[N];
        double[] nllApart = new double[N];
        boolean[] correctFused = new boolean[N];
        boolean[] correctApart = new boolean[N];
        if (vector) {
          CrossEntropy.forwardBackwardInPlaceVector(
              nllFused, correctFused, fused, t, 1, SCALE, N, v);
          CrossEntropy.forwardVector(nllApart, correctApart, apart, t, 1, N, v);
          CrossEntropy.backwardInPlaceVector(apart, t, 1, SCALE, N, v);
        } else {
          CrossEntropy.forwardBackwardInPlaceScalar(
              nllFused, correctFused, fused, t, 1, SCALE, N, v);
          CrossEntropy.forwardScalar(nllApart, correctApart, apart, t, 1, N, v);
          CrossEntropy.backwardInPlaceScalar(apart, t, 1, SCALE, N, v);
        }
        String what = (vector ? "vector" : "scalar") + " V=" + v;
        assertThat(nllFused).as(what).containsExactly(nllApart);
        assertThat(correctFused).as(what).containsExactly(correctApart);
        assertThat(fused).as(what).containsExactly(apart);
        assertThat(correctFused[0]).as(what).isTrue();
      }
    }
  }

  @Test
  void pooledRowsGiveTheSerialBitsForAnyThreadCount() {
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int v : RandomArrays.ODD_SIZES) {
          float[] pooled = logits(v);
          float[] serial = logits(v);
          int[] t = targets(v);
          double[] nllPooled = new double[N];
          double[] nllSerial = new double[N];
          boolean[] correctPooled = new boolean[N];
          boolean[] correctSerial = new boolean[N];
          CrossEntropy.forwardBackwardInPlace(
              pool, nllPooled, correctPooled, pooled, t, 1, SCALE, N, v);
          CrossEntropy.forwardBackwardInPlace(nllSerial, correctSerial, serial, t, 1, SCALE, N, v);
          String what = threads + " threads V=" + v;
          assertThat(nllPooled).as(what).containsExactly(nllSerial);
          assertThat(correctPooled).as(what).containsExactly(correctSerial);
          assertThat(pooled).as(what).containsExactly(serial);
          double[] lossPooled = new double[N];
          double[] lossSerial = new double[N];
          CrossEntropy.forward(pool, lossPooled, null, logits(v), t, 1, N, v);
          CrossEntropy.forward(lossSerial, null, logits(v), t, 1, N, v);
          assertThat(lossPooled).as(what).containsExactly(lossSerial);
        }
      }
    }
  }
}
