package dev.lathe.tensor;

import static dev.lathe.tensor.GradientAssert.assertClose;
import static dev.lathe.tensor.GradientAssert.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.reference.RopeRef;
import dev.lathe.tensor.reference.SoftmaxRef;
import org.junit.jupiter.api.Test;

/** Softmax and RoPE backward, scalar and vector paths, against the double references. */
class SoftmaxRopeBackwardTest {

  @Test
  void softmaxBackwardAccumulatesAndInPlaceOverwrites() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int n : RandomArrays.ODD_SIZES) {
        float[] y = RandomArrays.uniform(n, n + 2, 8f);
        Softmax.forwardScalar(y, 2, n);
        float[] dy = RandomArrays.uniform(n + 1, n + 1, 1f);
        float[] dx = RandomArrays.uniform(n + 2, n + 4, 1f);
        double[] want = toDouble(dx, 4, n);
        double[] yd = toDouble(y, 2, n);
        SoftmaxRef.backward(want, toDouble(dy, 1, n), yd, 1, n);
        double[] wantInPlace = new double[n];
        SoftmaxRef.backward(wantInPlace, toDouble(dy, 1, n), yd, 1, n);
        float[] d = dy.clone();
        if (vector) {
          Softmax.backwardVector(dx, 4, y, 2, dy, 1, n);
          Softmax.backwardInPlaceVector(d, 1, y, 2, n);
        } else {
          Softmax.backwardScalar(dx, 4, y, 2, dy, 1, n);
          Softmax.backwardInPlaceScalar(d, 1, y, 2, n);
        }
        String what = (vector ? "vector" : "scalar") + " n=" + n;
        assertClose(dx, 4, want, "dx " + what);
        if (n > 1) { // n = 1: the exact gradient is 0 and float leaves ~1e-8 noise
          assertClose(d, 1, wantInPlace, "in place " + what);
        }
        assertThat(d[0]).as("before the row").isEqualTo(dy[0]);
      }
    }
  }

  @Test
  void ropeBackwardIsTheInverseRotationWithAndWithoutScaling() {
    RopeScaling[] scalings = {
      RopeScaling.NONE,
      new RopeScaling("linear", 4, 0, 0, 0),
      new RopeScaling("llama3", 8, 1, 4, 64)
    };
    int pos = 37;
    for (int half : RandomArrays.ODD_SIZES) {
      int d = 2 * half;
      double[] plain = RopeRef.inverseFrequencies(d, 10000);
      double[][] refFreqs = {plain, RopeRef.linear(plain, 4), RopeRef.llama3(plain, 8, 1, 4, 64)};
      for (int k = 0; k < scalings.length; k++) {
        Rope.Table t = Rope.Table.of(d, pos + 1, 10000, scalings[k]);
        for (Rope.Style style : Rope.Style.values()) {
          float[] dy = RandomArrays.uniform(half + k, 3 * d + 1, 2f);
          double[] want = new double[3 * d];
          RopeRef.backward(style, want, toDouble(dy, 1, 3 * d), 3, d, refFreqs[k], pos);
          float[] s = dy.clone();
          float[] v = dy.clone();
          Rope.backwardScalar(style, s, 1, 3, t, pos);
          Rope.backwardVector(style, v, 1, 3, t, pos);
          String what = style + " " + scalings[k].type() + " d=" + d;
          assertClose(s, 1, want, "scalar " + what);
          assertThat(v).as("vector equals scalar, " + what).containsExactly(s);
          // backward undoes forward: the rotation is orthogonal
          Rope.forward(style, s, 1, 3, t, pos);
          assertClose(s, 1, toDouble(dy, 1, 3 * d), "forward(backward(x)) = x, " + what);
        }
      }
    }
  }
}
