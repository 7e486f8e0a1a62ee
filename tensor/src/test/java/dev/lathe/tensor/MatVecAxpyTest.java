package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link MatVec#axpy} (a LoRA delta's second product in decode) against its scalar twin on odd
 * sizes: each output is one FMA chain over k in order, so the vector lanes and the scalar tail give
 * exactly the twin's bits.
 */
class MatVecAxpyTest {

  @Test
  void vectorLanesAndTailGiveTheScalarTwinsBits() {
    int[][] shapes = {{1, 1}, {7, 3}, {16, 8}, {33, 16}, {577, 4}, {1536, 8}, {95, 64}};
    for (int[] s : shapes) {
      int n = s[0], k = s[1];
      float[] x = RandomArrays.uniform(n + 3L, 2 + k, 1f);
      float[] b = RandomArrays.uniform(k * 7L, n * k, 0.5f);
      float[] y = RandomArrays.uniform(n * 5L, 4 + n, 1f);
      float[] twin = y.clone();
      for (int j = 0; j < n; j++) {
        float acc = twin[4 + j];
        for (int p = 0; p < k; p++) {
          acc = Math.fma(b[p * n + j], x[2 + p], acc);
        }
        twin[4 + j] = acc;
      }
      MatVec.axpy(x, 2, b, y, 4, n, k);
      assertThat(y).as("n=%d k=%d", n, k).containsExactly(twin);
    }
  }

  @Test
  void operandsTooSmallAreRefused() {
    assertThatThrownBy(() -> MatVec.axpy(new float[3], 0, new float[10], new float[5], 0, 5, 3))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("B of 10");
  }
}
