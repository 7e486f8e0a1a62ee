package dev.lathe.transformer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.transformer.optim.LearningRateSchedule.Decay;
import dev.lathe.transformer.train.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  @Test
  void warmsUpLinearlyThenDecaysLinearly() {
    LearningRateSchedule s = new LearningRateSchedule(1.0, 2, 6, Decay.LINEAR, 0);
    assertThat(s.at(1)).isCloseTo(0.5, within(1e-12));
    assertThat(s.at(2)).isCloseTo(1.0, within(1e-12));
    assertThat(s.at(3)).isCloseTo(1.0, within(1e-12));
    assertThat(s.at(4)).isCloseTo(0.75, within(1e-12));
    assertThat(s.at(6)).isCloseTo(0.25, within(1e-12));
  }

  @Test
  void cosineDecaysToTheFinalFraction() {
    LearningRateSchedule s = new LearningRateSchedule(2.0, 0, 5, Decay.COSINE, 0.1);
    assertThat(s.at(1)).isCloseTo(2.0, within(1e-12));
    assertThat(s.at(3))
        .isCloseTo(2.0 * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.4))), within(1e-12));
    assertThat(s.at(5)).isGreaterThan(0.2).isLessThan(s.at(4));
    assertThat(s.at(99)).isCloseTo(0.2, within(1e-12));
  }

  @Test
  void constantStaysAtThePeak() {
    LearningRateSchedule s = new LearningRateSchedule(3e-4, 0, 10, Decay.CONSTANT, 0);
    assertThat(s.at(1)).isEqualTo(3e-4);
    assertThat(s.at(10)).isEqualTo(3e-4);
  }

  @Test
  void invalidSchedulesAreRejected() {
    assertThatThrownBy(() -> new LearningRateSchedule(0, 0, 1, Decay.LINEAR, 0))
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new LearningRateSchedule(1, 5, 4, Decay.LINEAR, 0))
        .hasMessageContaining("warmup");
  }

  @Test
  void clippingScalesTheGlobalNormDownOnly() {
    Parameter a = new Parameter("a", new int[] {2}, new float[2], new float[] {3f, 0f});
    Parameter b = new Parameter("b", new int[] {1}, new float[1], new float[] {4f});
    double before = GradientClipping.clip(List.of(a, b), 1.0);
    assertThat(before).isCloseTo(5.0, within(1e-9));
    assertThat(GradientClipping.globalNorm(List.of(a, b))).isCloseTo(1.0, within(1e-5));
    assertThat(a.grad()[0]).isCloseTo(0.6f, within(1e-5f));
    double small = GradientClipping.clip(List.of(a, b), 10.0);
    assertThat(small).isCloseTo(1.0, within(1e-5));
    assertThat(b.grad()[0]).isCloseTo(0.8f, within(1e-5f));
  }
}
