package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SoftmaxTest {

  @Test
  void vectorPathEqualsScalarWithin1e6OnOddSizes() {
    for (int n : RandomArrays.ODD_SIZES) {
      float[] s = RandomArrays.uniform(n, n + 5, 20f);
      float[] v = s.clone();
      Softmax.forwardScalar(s, 5, n);
      Softmax.forwardVector(v, 5, n);
      assertThat(RandomArrays.maxRelativeError(v, s)).as("n=%d", n).isLessThan(1e-6);
      float sum = 0;
      for (int i = 5; i < n + 5; i++) {
        sum += v[i];
      }
      assertThat(sum).as("n=%d", n).isCloseTo(1f, Offset.offset(1e-5f));
    }
  }

  @Test
  void largeLogitsDoNotOverflow() {
    float[] x = {1000f, 1000f};
    Softmax.forward(x, 0, 2);
    assertThat(x).containsExactly(0.5f, 0.5f);
  }
}
