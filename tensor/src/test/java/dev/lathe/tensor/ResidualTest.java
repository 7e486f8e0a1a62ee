package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResidualTest {

  @Test
  void vectorPathIsBitIdenticalToScalarOnOddSizesAndInPlace() {
    for (int n : RandomArrays.ODD_SIZES) {
      float[] a = RandomArrays.uniform(n, n + 2, 1f);
      float[] b = RandomArrays.uniform(n + 1, n + 3, 1f);
      float[] s = new float[n];
      float[] v = a.clone();
      Residual.forwardScalar(s, 0, a, 2, b, 3, n);
      Residual.forwardVector(v, 2, v, 2, b, 3, n);
      for (int i = 0; i < n; i++) {
        assertThat(v[2 + i]).isEqualTo(s[i]).isEqualTo(a[2 + i] + b[3 + i]);
      }
    }
  }
}
