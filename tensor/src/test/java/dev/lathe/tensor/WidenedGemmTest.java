package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * bf16-B {@code mulNN} against its scalar twin and a double-precision reference on odd sizes
 * (including a k longer than one slab), bit-identical to the f32 product of the widened B and for
 * one and two threads.
 */
class WidenedGemmTest {
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool TWO = new ComputePool(2);

  @AfterAll
  static void stop() {
    ONE.close();
    TWO.close();
  }

  @Test
  void matchesScalarTwinWidenedF32AndDoublePrecisionOnOddSizes() {
    int[][] shapes = {
      {1, 7, 3},
      {3, 17, 33},
      {7, 1, 129},
      {65, 33, 129},
      {33, 97, 577},
      {5, 19, WidenedGemm.SLAB_ROWS + 7}
    };
    long seed = 11;
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      Random r = new Random(seed++);
      float[] a = GemmTest.fill(r, 2 + m * k);
      short[] w = Bf16.fromFloat(GemmTest.fill(r, 3 + k * n));
      float[] c0 = GemmTest.fill(r, 1 + m * n);
      for (boolean acc : new boolean[] {false, true}) {
        float[] two = c0.clone();
        WidenedGemm.mulNN(TWO, a, 2, w, 3, two, 1, m, n, k, acc);
        float[] one = c0.clone();
        WidenedGemm.mulNN(ONE, a, 2, w, 3, one, 1, m, n, k, acc);
        float[] widened = c0.clone();
        Gemm.mulNN(TWO, a, 2, Bf16.toFloat(w), 3, widened, 1, m, n, k, acc);
        float[] scalar = c0.clone();
        WidenedGemm.mulNNScalar(a, 2, w, 3, scalar, 1, m, n, k, acc);
        String what = "m=%d n=%d k=%d acc=%s".formatted(m, n, k, acc);
        assertThat(one).as(what).isEqualTo(two);
        assertThat(two).as(what).isEqualTo(widened);
        assertClose(what, a, w, c0, two, m, n, k, acc);
        assertClose(what, a, w, c0, scalar, m, n, k, acc);
      }
    }
  }

  @Test
  void emptyShapesAndBadOffsetsAreHandled() {
    float[] c = {5f, 5f};
    WidenedGemm.mulNN(ONE, new float[0], 0, new short[0], 0, c, 0, 2, 1, 0, false);
    assertThat(c).containsExactly(0f, 0f);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                WidenedGemm.mulNN(
                    ONE, new float[4], 0, new short[3], 0, new float[4], 0, 2, 2, 2, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mulNN(bf16)");
  }

  private static void assertClose(
      String what, float[] a, short[] w, float[] c0, float[] c, int m, int n, int k, boolean acc) {
    assertThat(c[0]).isEqualTo(c0[0]);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double start = acc ? c0[1 + i * n + j] : 0;
        double exact = start;
        double magnitude = Math.abs(start);
        for (int p = 0; p < k; p++) {
          double t = (double) a[2 + i * k + p] * Bf16.toFloat(w[3 + p * n + j]);
          exact += t;
          magnitude += Math.abs(t);
        }
        double bound = (k + 2) * Math.ulp(1f) * magnitude;
        assertThat(Math.abs(c[1 + i * n + j] - exact))
            .as("%s at (%d,%d)", what, i, j)
            .isLessThanOrEqualTo(bound);
      }
    }
  }
}
