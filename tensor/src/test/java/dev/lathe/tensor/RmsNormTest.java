package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RmsNormTest {

  @Test
  void vectorPathEqualsScalarWithin1e6OnOddSizes() {
    for (int c : RandomArrays.ODD_SIZES) {
      int n = 3;
      float[] in = RandomArrays.uniform(c, n * c, 3f);
      float[] w = RandomArrays.uniform(c + 1, c, 1f);
      float[] s = new float[n * c];
      float[] v = new float[n * c];
      float[] rs = new float[n];
      float[] rv = new float[n];
      RmsNorm.forwardScalar(s, 0, in, 0, w, rs, n, c, 1e-5f);
      RmsNorm.forwardVector(v, 0, in, 0, w, rv, n, c, 1e-5f);
      assertThat(RandomArrays.maxRelativeError(v, s)).as("C=%d", c).isLessThan(1e-6);
      assertThat(RandomArrays.maxRelativeError(rv, rs)).as("rstd C=%d", c).isLessThan(1e-6);
    }
  }

  @Test
  void scalarMatchesTheDefinitionInDouble() {
    float[] in = {1f, -2f, 3f};
    float[] w = {1f, 0.5f, 2f};
    float[] out = new float[3];
    RmsNorm.forwardScalar(out, 0, in, 0, w, null, 1, 3, 0f);
    double rms = Math.sqrt((1 + 4 + 9) / 3.0);
    assertThat(out[0]).isCloseTo((float) (1 / rms), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(out[1]).isCloseTo((float) (-1 / rms), org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(out[2]).isCloseTo((float) (6 / rms), org.assertj.core.data.Offset.offset(1e-6f));
  }
}
