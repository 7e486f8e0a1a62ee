package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class GeluTest {

  @Test
  void vectorPathEqualsScalarWithin1e6OnOddSizes() {
    for (int n : RandomArrays.ODD_SIZES) {
      float[] in = RandomArrays.uniform(n, n, 6f);
      float[] s = new float[n];
      float[] v = new float[n];
      Gelu.forwardScalar(s, in, n);
      Gelu.forwardVector(v, in, n);
      assertThat(RandomArrays.maxRelativeError(v, s)).as("n=%d", n).isLessThan(1e-6);
    }
  }

  @Test
  void matchesTheTanhFormulaAtOne() {
    float[] out = new float[1];
    Gelu.forwardScalar(out, new float[] {1f}, 1);
    // 0.5 * (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411920
    assertThat(out[0]).isCloseTo(0.841192f, Offset.offset(1e-6f));
  }
}
