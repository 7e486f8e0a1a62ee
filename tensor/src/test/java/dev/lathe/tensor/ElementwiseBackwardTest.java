package dev.lathe.tensor;

import static dev.lathe.tensor.GradientAssert.assertClose;
import static dev.lathe.tensor.GradientAssert.toDouble;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.reference.GeluRef;
import dev.lathe.tensor.reference.ResidualRef;
import dev.lathe.tensor.reference.SwiGluRef;
import org.junit.jupiter.api.Test;

/** SwiGLU, GELU and residual backward, scalar and vector, against the references. */
class ElementwiseBackwardTest {

  @Test
  void swiGluBackward() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int n : RandomArrays.ODD_SIZES) {
        float[] gate = RandomArrays.uniform(n, n, 6f);
        float[] up = RandomArrays.uniform(n + 1, n, 2f);
        float[] dOut = RandomArrays.uniform(n + 2, n, 1f);
        float[] dGate = RandomArrays.uniform(n + 3, n, 1f);
        float[] dUp = RandomArrays.uniform(n + 4, n, 1f);
        double[] wantG = toDouble(dGate);
        double[] wantU = toDouble(dUp);
        SwiGluRef.backward(wantG, wantU, toDouble(dOut), toDouble(gate), toDouble(up));
        if (vector) {
          SwiGlu.backwardVector(dGate, dUp, dOut, gate, up, n);
        } else {
          SwiGlu.backwardScalar(dGate, dUp, dOut, gate, up, n);
        }
        String what = (vector ? "vector" : "scalar") + " n=" + n;
        assertClose(dGate, wantG, "dGate " + what);
        assertClose(dUp, wantU, "dUp " + what);
      }
    }
  }

  @Test
  void geluBackward() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int n : RandomArrays.ODD_SIZES) {
        float[] in = RandomArrays.uniform(n, n, 5f);
        float[] dOut = RandomArrays.uniform(n + 1, n, 1f);
        float[] dIn = RandomArrays.uniform(n + 2, n, 1f);
        double[] want = toDouble(dIn);
        GeluRef.backward(want, toDouble(dOut), toDouble(in));
        if (vector) {
          Gelu.backwardVector(dIn, dOut, in, n);
        } else {
          Gelu.backwardScalar(dIn, dOut, in, n);
        }
        assertClose(dIn, want, (vector ? "vector" : "scalar") + " n=" + n);
      }
    }
  }

  @Test
  void residualBackwardAddsToBothSidesOrSkipsANullSide() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int n : RandomArrays.ODD_SIZES) {
        float[] dOut = RandomArrays.uniform(n, n + 1, 1f);
        float[] dA = RandomArrays.uniform(n + 1, n + 2, 1f);
        float[] dB = RandomArrays.uniform(n + 2, n, 1f);
        double[] wantA = toDouble(dA, 2, n);
        double[] wantB = toDouble(dB);
        ResidualRef.backward(wantA, wantB, toDouble(dOut, 1, n));
        float[] onlyB = new float[n];
        if (vector) {
          Residual.backwardVector(dA, 2, dB, 0, dOut, 1, n);
          Residual.backwardVector(null, 0, onlyB, 0, dOut, 1, n);
        } else {
          Residual.backwardScalar(dA, 2, dB, 0, dOut, 1, n);
          Residual.backwardScalar(null, 0, onlyB, 0, dOut, 1, n);
        }
        assertThat(onlyB).containsExactly(java.util.Arrays.copyOfRange(dOut, 1, n + 1));
        String what = (vector ? "vector" : "scalar") + " n=" + n;
        assertClose(dA, 2, wantA, "dA " + what);
        assertClose(dB, wantB, "dB " + what);
      }
    }
  }
}
