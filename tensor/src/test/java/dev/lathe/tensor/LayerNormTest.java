package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LayerNormTest {

  @Test
  void vectorPathEqualsScalarWithin1e5OnOddSizes() {
    for (int c : RandomArrays.ODD_SIZES) {
      int n = 3;
      float[] in = RandomArrays.uniform(c, n * c, 3f);
      float[] w = RandomArrays.uniform(c + 1, c, 1f);
      float[] b = RandomArrays.uniform(c + 2, c, 1f);
      float[] s = new float[n * c];
      float[] v = new float[n * c];
      float[] ms = new float[n];
      float[] mv = new float[n];
      float[] rs = new float[n];
      float[] rv = new float[n];
      LayerNorm.forwardScalar(s, 0, in, 0, w, b, ms, rs, n, c, 1e-5f);
      LayerNorm.forwardVector(v, 0, in, 0, w, b, mv, rv, n, c, 1e-5f);
      // c == 1 normalises to 0/sqrt(eps): both paths agree, the tolerance covers summation order
      assertThat(RandomArrays.maxRelativeError(v, s)).as("C=%d", c).isLessThan(1e-5);
      assertThat(RandomArrays.maxRelativeError(mv, ms)).as("mean C=%d", c).isLessThan(1e-6);
      assertThat(RandomArrays.maxRelativeError(rv, rs)).as("rstd C=%d", c).isLessThan(1e-5);
    }
  }

  @Test
  void scalarNormalisesToZeroMeanUnitVariance() {
    float[] in = {1f, 2f, 3f, 4f};
    float[] out = new float[4];
    LayerNorm.forwardScalar(
        out, 0, in, 0, new float[] {1, 1, 1, 1}, new float[] {0, 0, 0, 1}, null, null, 1, 4, 0f);
    double sd = Math.sqrt(1.25);
    assertThat(out[0]).isCloseTo((float) (-1.5 / sd), Offset.offset(1e-6f));
    assertThat(out[3]).isCloseTo((float) (1.5 / sd + 1), Offset.offset(1e-6f));
  }
}
