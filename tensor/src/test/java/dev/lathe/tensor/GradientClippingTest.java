package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

  private static List<float[]> grads(float scale) {
    List<float[]> list = new ArrayList<>();
    int seed = 0;
    for (int n : new int[] {1, 7, 33, 129, 1000, 2500}) { // 2500: two full vector blocks + tail
      list.add(RandomArrays.uniform(seed++, n, scale));
    }
    return list;
  }

  private static double normInDouble(List<float[]> grads) {
    double s = 0;
    for (float[] g : grads) {
      for (float x : g) {
        s += (double) x * x;
      }
    }
    return Math.sqrt(s);
  }

  @Test
  void bothPathsMeasureTheGlobalNorm() {
    List<float[]> g = grads(3f);
    double want = normInDouble(g);
    assertThat(GradientClipping.globalNormScalar(g)).isCloseTo(want, Offset.offset(1e-12 * want));
    assertThat(GradientClipping.globalNormVector(g)).isCloseTo(want, Offset.offset(1e-6 * want));
    assertThat(GradientClipping.globalNorm(List.of())).isZero();
  }

  @Test
  void clippingScalesEveryBufferToTheMaxNormAndReportsTheNormBefore() {
    List<float[]> g = grads(3f);
    List<float[]> original = grads(3f);
    double before = normInDouble(g);
    double reported = GradientClipping.clipByGlobalNorm(g, 1.0);
    assertThat(reported).isCloseTo(before, Offset.offset(1e-6 * before));
    assertThat(normInDouble(g)).isCloseTo(1.0, Offset.offset(1e-5));
    float k = g.get(4)[10] / original.get(4)[10];
    assertThat(g.get(0)[0]).isCloseTo(original.get(0)[0] * k, Offset.offset(1e-6f));
  }

  @Test
  void smallOrNonFiniteNormsLeaveGradientsAlone() {
    List<float[]> g = grads(1e-3f);
    List<float[]> original = grads(1e-3f);
    GradientClipping.clipByGlobalNorm(g, 1.0);
    for (int i = 0; i < g.size(); i++) {
      assertThat(g.get(i)).containsExactly(original.get(i));
    }
    List<float[]> nan = grads(1f);
    nan.get(2)[5] = Float.NaN;
    float keep = nan.get(4)[0];
    assertThat(GradientClipping.clipByGlobalNorm(nan, 1e-3)).isNaN();
    assertThat(nan.get(4)[0]).isEqualTo(keep);
    assertThatThrownBy(() -> GradientClipping.clipByGlobalNorm(g, 0))
        .hasMessageContaining("max norm must be finite and > 0, got 0.0");
  }
}
