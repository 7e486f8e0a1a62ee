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

  /**
   * The vector maximum against a scalar {@link Math#max} loop, on odd lengths (whole vectors and a
   * rest), with the largest value in every position once, a NaN, and zeros of both signs.
   */
  @Test
  void vectorMaximumEqualsTheScalarLoop() {
    for (int n : new int[] {1, 15, 16, 17, 33, 100, 161}) {
      float[] base = RandomArrays.uniform(n, n + 3, 4f);
      for (int at = 0; at < n; at++) {
        for (float big : new float[] {9f, Float.NaN, 0f, -0f}) {
          float[] x = base.clone();
          if (big == 0f) {
            java.util.Arrays.fill(x, -1f);
          }
          x[at] = big;
          float want = Float.NEGATIVE_INFINITY;
          for (float v : x) {
            want = Math.max(want, v);
          }
          int bound = n - n % KernelPath.F.length();
          float[] padded = new float[n + 2];
          System.arraycopy(x, 0, padded, 2, n);
          assertThat(Float.floatToRawIntBits(Softmax.max(padded, 2, n, bound)))
              .as("n %d, %s at %d", n, big, at)
              .isEqualTo(Float.floatToRawIntBits(want));
        }
      }
    }
  }

  @Test
  void largeLogitsDoNotOverflow() {
    float[] x = {1000f, 1000f};
    Softmax.forward(x, 0, 2);
    assertThat(x).containsExactly(0.5f, 0.5f);
  }
}
