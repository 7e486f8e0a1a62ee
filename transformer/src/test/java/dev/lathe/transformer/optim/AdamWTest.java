package dev.lathe.transformer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.transformer.train.Parameter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdamWTest {

  private static Parameter param(String name, int[] shape, SplittableRandom r) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextDouble(-1, 1);
    }
    return new Parameter(name, shape, v, new float[n]);
  }

  private static void fillGrads(List<Parameter> ps, SplittableRandom r) {
    for (Parameter p : ps) {
      for (int i = 0; i < p.grad().length; i++) {
        p.grad()[i] = (float) r.nextDouble(-0.5, 0.5);
      }
    }
  }

  @Test
  void matchesADoublePrecisionReferenceOverSeveralSteps() {
    SplittableRandom r = new SplittableRandom(7);
    Parameter w = param("model.layers.0.mlp.up_proj.weight", new int[] {3, 5}, r);
    Parameter norm = param("model.layers.0.input_layernorm.weight", new int[] {5}, r);
    List<Parameter> ps = List.of(w, norm);
    double[][] theta = {toDouble(w.value()), toDouble(norm.value())};
    double[][] m = {new double[15], new double[5]};
    double[][] v = {new double[15], new double[5]};
    AdamWConfig cfg = AdamWConfig.withWeightDecay(0.1);
    AdamW opt = new AdamW(cfg, ps);
    SplittableRandom gr = new SplittableRandom(3);
    for (int t = 1; t <= 5; t++) {
      fillGrads(ps, gr);
      double lr = 0.01 * t;
      opt.step(lr);
      for (int i = 0; i < 2; i++) {
        boolean decay = i == 0;
        float[] g = ps.get(i).grad();
        for (int k = 0; k < g.length; k++) {
          m[i][k] = 0.9 * m[i][k] + 0.1 * g[k];
          v[i][k] = 0.999 * v[i][k] + 0.001 * g[k] * g[k];
          double mh = m[i][k] / (1 - Math.pow(0.9, t));
          double vh = v[i][k] / (1 - Math.pow(0.999, t));
          if (decay) {
            theta[i][k] -= lr * 0.1 * theta[i][k];
          }
          theta[i][k] -= lr * mh / (Math.sqrt(vh) + 1e-8);
        }
      }
    }
    for (int i = 0; i < 2; i++) {
      for (int k = 0; k < theta[i].length; k++) {
        assertThat((double) ps.get(i).value()[k]).isCloseTo(theta[i][k], within(1e-5));
      }
    }
    assertThat(opt.stepCount()).isEqualTo(5);
  }

  @Test
  void firstStepMovesEachWeightByTheLearningRateAgainstItsGradientSign() {
    Parameter p = new Parameter("b.bias", new int[] {3}, new float[3], new float[] {2f, -0.1f, 0f});
    new AdamW(AdamWConfig.withWeightDecay(0.5), List.of(p)).step(0.01);
    assertThat(p.value()[0]).isCloseTo(-0.01f, within(1e-6f));
    assertThat(p.value()[1]).isCloseTo(0.01f, within(1e-6f));
    assertThat(p.value()[2]).isEqualTo(0f);
  }

  @Test
  void normsAndBiasesAreNotDecayedMatricesAre() {
    assertThat(
            AdamW.decaysByDefault(
                new Parameter("x.weight", new int[] {2, 2}, new float[4], new float[4])))
        .isTrue();
    assertThat(
            AdamW.decaysByDefault(
                new Parameter("x.norm.weight", new int[] {2, 2}, new float[4], new float[4])))
        .isFalse();
    assertThat(
            AdamW.decaysByDefault(
                new Parameter("x.bias", new int[] {2, 2}, new float[4], new float[4])))
        .isFalse();
    assertThat(
            AdamW.decaysByDefault(
                new Parameter("ln_f.weight", new int[] {4}, new float[4], new float[4])))
        .isFalse();
  }

  @Test
  void restoredStateContinuesBitForBit() {
    SplittableRandom r = new SplittableRandom(11);
    Parameter a = param("a.weight", new int[] {4, 4}, r);
    Parameter b = new Parameter("b.weight", a.shape(), a.value().clone(), new float[16]);
    AdamW first = new AdamW(AdamWConfig.withWeightDecay(0.01), List.of(a));
    SplittableRandom g1 = new SplittableRandom(5);
    for (int t = 0; t < 3; t++) {
      fillGrads(List.of(a), g1);
      first.step(1e-2);
    }
    AdamW second = new AdamW(AdamWConfig.withWeightDecay(0.01), List.of(b));
    System.arraycopy(a.value(), 0, b.value(), 0, 16);
    second.restore(first.state());
    for (int t = 0; t < 3; t++) {
      fillGrads(List.of(a), g1);
      System.arraycopy(a.grad(), 0, b.grad(), 0, 16);
      first.step(1e-2);
      second.step(1e-2);
    }
    assertThat(b.value()).containsExactly(a.value());
    assertThat(second.stepCount()).isEqualTo(6);
  }

  @Test
  void restoreRejectsAStateOfOtherShapes() {
    Parameter a = new Parameter("a", new int[] {2}, new float[2], new float[2]);
    Parameter b = new Parameter("b", new int[] {3}, new float[3], new float[3]);
    AdamW opt = new AdamW(AdamWConfig.withWeightDecay(0), List.of(a));
    assertThatThrownBy(
            () -> opt.restore(new AdamW(AdamWConfig.withWeightDecay(0), List.of(b)).state()))
        .hasMessageContaining("wrong size");
  }

  @Test
  void configIsValidated() {
    assertThatThrownBy(() -> new AdamWConfig(1.0, 0.999, 1e-8, 0)).hasMessageContaining("betas");
    assertThatThrownBy(() -> new AdamWConfig(0.9, 0.999, 0, 0)).hasMessageContaining("eps");
    assertThatThrownBy(() -> AdamWConfig.withWeightDecay(-1)).hasMessageContaining("decay");
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
