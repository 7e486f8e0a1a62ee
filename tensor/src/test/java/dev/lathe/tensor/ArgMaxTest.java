package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector arg-max against its scalar twin and against the plain "first strictly greater" loop,
 * on odd sizes, ties (the first wins), signed zeros, infinities and NaN.
 */
class ArgMaxTest {

  private static int firstGreater(float[] x, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (x[off + i] > x[off + best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void vectorAndScalarPickTheFirstLargestOnOddSizes() {
    SplittableRandom r = new SplittableRandom(5);
    for (int n : new int[] {1, 7, 15, 16, 17, 33, 129, 1000, 49_153}) {
      for (int trial = 0; trial < 4; trial++) {
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
          // few distinct values: ties are common
          x[i] = trial == 0 ? (float) r.nextGaussian() : r.nextInt(5) - 3;
        }
        int want = firstGreater(x, 3, n);
        assertThat(ArgMax.first(x, 3, n)).as("n=%d trial %d", n, trial).isEqualTo(want);
        assertThat(ArgMax.firstScalar(x, 3, n)).as("n=%d trial %d", n, trial).isEqualTo(want);
        assertThat(ArgMax.firstIndexOfVector(x, 3, n, x[3 + want])).isEqualTo(want);
        assertThat(ArgMax.maxVector(x, 3, n)).isEqualTo(ArgMax.maxScalar(x, 3, n));
      }
    }
  }

  @Test
  void signedZerosTieAndInfinitiesCount() {
    float[] zeros = {-1f, -0f, 0f, -0f};
    assertThat(ArgMax.first(zeros, 0, 4)).isEqualTo(firstGreater(zeros, 0, 4)).isEqualTo(1);
    float[] low = new float[37];
    java.util.Arrays.fill(low, Float.NEGATIVE_INFINITY);
    assertThat(ArgMax.first(low, 0, 37)).isZero();
    low[30] = Float.POSITIVE_INFINITY;
    low[36] = Float.POSITIVE_INFINITY;
    assertThat(ArgMax.first(low, 0, 37)).isEqualTo(30);
  }

  @Test
  void aNaNAnywhereIsReported() {
    for (int at : new int[] {0, 5, 16, 40}) {
      float[] x = new float[41];
      x[at] = Float.NaN;
      assertThat(ArgMax.first(x, 0, 41)).as("NaN at %d", at).isEqualTo(-1);
      assertThat(ArgMax.firstScalar(x, 0, 41)).as("NaN at %d", at).isEqualTo(-1);
    }
    assertThatThrownBy(() -> ArgMax.first(new float[3], 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
  }
}
