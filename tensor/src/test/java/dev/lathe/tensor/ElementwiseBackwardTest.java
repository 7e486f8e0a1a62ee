package dev.lathe.tensor;

import static dev.lathe.tensor.GradientAssert.assertClose;
import static dev.lathe.tensor.GradientAssert.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.reference.EmbeddingRef;
import dev.lathe.tensor.reference.GeluRef;
import dev.lathe.tensor.reference.ResidualRef;
import dev.lathe.tensor.reference.SwiGluRef;
import org.junit.jupiter.api.Test;

/** SwiGLU, GELU, embedding and residual backward, scalar and vector, against the references. */
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
  void embeddingBackwardScattersIntoRepeatedRowsAndPositions() {
    int vocab = 11;
    int[] tokens = {99, 4, 7, 4, 0, 4, 10}; // tokOff 1 skips 99; token 4 three times
    for (boolean vector : new boolean[] {false, true}) {
      for (int c : RandomArrays.ODD_SIZES) {
        int count = tokens.length - 1;
        int pos0 = 2;
        float[] dOut = RandomArrays.uniform(c, count * c, 1f);
        float[] dWte = RandomArrays.uniform(c + 1, vocab * c, 1f);
        float[] dWpe = RandomArrays.uniform(c + 2, 9 * c, 1f);
        double[] wantTe = toDouble(dWte);
        double[] wantPe = toDouble(dWpe);
        int[] used = java.util.Arrays.copyOfRange(tokens, 1, tokens.length);
        EmbeddingRef.backward(wantTe, wantPe, toDouble(dOut), used, pos0, c);
        if (vector) {
          Embedding.backwardVector(dWte, dWpe, dOut, tokens, 1, count, pos0, c);
        } else {
          Embedding.backwardScalar(dWte, dWpe, dOut, tokens, 1, count, pos0, c);
        }
        String what = (vector ? "vector" : "scalar") + " C=" + c;
        assertClose(dWte, wantTe, "dWte " + what);
        assertClose(dWpe, wantPe, "dWpe " + what);
        float[] onlyPositions = new float[9 * c]; // frozen token table: null
        double[] wantOnly = new double[9 * c];
        Embedding.backward(null, onlyPositions, dOut, tokens, 1, count, pos0, c);
        EmbeddingRef.backward(null, wantOnly, toDouble(dOut), used, pos0, c);
        assertClose(onlyPositions, wantOnly, "dWpe alone " + what);
      }
    }
    assertThatThrownBy(
            () -> Embedding.backward(new float[vocab], null, new float[1], tokens, 0, 1, 0, 1))
        .hasMessageContaining("token id 99");
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
