package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SwiGluTest {

  @Test
  void vectorPathEqualsScalarWithin1e6OnOddSizes() {
    for (int n : RandomArrays.ODD_SIZES) {
      float[] g = RandomArrays.uniform(n, n, 10f);
      float[] u = RandomArrays.uniform(n + 1, n, 2f);
      float[] s = new float[n];
      float[] v = new float[n];
      SwiGlu.forwardScalar(s, g, u, n);
      SwiGlu.forwardVector(v, g, u, n);
      assertThat(RandomArrays.maxRelativeError(v, s)).as("n=%d", n).isLessThan(1e-6);
    }
  }

  @Test
  void siluOfZeroIsZeroAndOfLargeIsIdentity() {
    float[] out = new float[2];
    SwiGlu.forwardScalar(out, new float[] {0f, 30f}, new float[] {5f, 2f}, 2);
    assertThat(out).containsExactly(0f, 60f);
  }
}
