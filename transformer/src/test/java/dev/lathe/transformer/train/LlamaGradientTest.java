package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.transformer.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float engine's analytic gradients against central finite differences of the independent
 * double-precision forward {@link DoubleLlama}, for every parameter tensor: along a random ±1
 * direction over the whole tensor, and entry by entry at its largest-gradient entry and a random
 * one. The batch packs two examples in one row, pads another, leaves prompt positions untrained and
 * weighs the examples differently (one negatively, as DPO does).
 *
 * <p>Tolerance: |analytic − numeric| ≤ 2e-3 · |numeric| + 2e-5 (float32 engine; the double finite
 * differences with h = 1e-4 are accurate to about 1e-8).
 */
class LlamaGradientTest {
  static final float[] SCALE = {0.5f, -0.3f, 0.25f};
  private static final double H = 1e-4;

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
  void fullFineTuningGradientsMatchDoubleFiniteDifferences(String type) {
    LoadedModel model = TrainFixtures.model(type, 7);
    LlamaTrainer full = (LlamaTrainer) Training.full(model);
    TokenBatch batch = TrainFixtures.packedBatch();
    full.zeroGradients();
    full.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors = TrainFixtures.tensors(full.trainableParameters(), List.of());
    DoubleLlama ref = new DoubleLlama(full.config(), tensors, 0);
    ToDoubleFunction<TokenBatch> objective = b -> ref.loss(b, SCALE);
    List<String> checked = check(full.trainableParameters(), tensors, objective, batch);
    var c = full.config();
    int expected =
        9 + (c.attentionBias() ? 3 : 0) + (c.outputBias() ? 1 : 0) + (c.qkNorm() ? 2 : 0);
    assertThat(checked)
        .hasSize(
            1 + full.config().layers() * expected + 1 + (full.config().tiedEmbeddings() ? 0 : 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void loraGradientsMatchDoubleFiniteDifferences(String type) {
    LoadedModel model = TrainFixtures.model(type, 7);
    LoraConfig lc = LoraConfig.of(3, 6, 0);
    LlamaTrainer lora = (LlamaTrainer) Training.lora(model, lc, new SplittableRandom(1));
    SplittableRandom r = new SplittableRandom(2);
    for (Parameter p : lora.trainableParameters()) { // B ≠ 0 so A gets a gradient too
      if (p.name().endsWith("lora_B.weight")) {
        lora.setParameter(p.name(), TrainFixtures.random(r, p.value().length, 0.3f));
      }
    }
    TokenBatch batch = TrainFixtures.packedBatch();
    lora.zeroGradients();
    lora.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors =
        TrainFixtures.tensors(
            Training.full(model).trainableParameters(), lora.trainableParameters());
    DoubleLlama ref = new DoubleLlama(lora.config(), tensors, lc.scale());
    ToDoubleFunction<TokenBatch> objective = b -> ref.loss(b, SCALE);
    List<String> checked = check(lora.trainableParameters(), tensors, objective, batch);
    assertThat(checked).hasSize(lora.config().layers() * 7 * 2);
  }

  /**
   * Float loss weights (0.5 on some positions, 1 on the rest): the weighted loss equals the double
   * reference's Σ w · −log p, and the gradients match its finite differences.
   */
  @Test
  void weightedLossAndGradientsMatchTheDoubleReference() {
    LoadedModel model = TrainFixtures.model("llama", 7);
    LlamaTrainer full = (LlamaTrainer) Training.full(model);
    TokenBatch plain = TrainFixtures.packedBatch();
    float[] weights = new float[plain.targets().length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = i % 2 == 0 ? 0.5f : 1f;
    }
    TokenBatch batch = plain.withWeights(weights);
    Map<String, double[]> tensors = TrainFixtures.tensors(full.trainableParameters(), List.of());
    DoubleLlama ref = new DoubleLlama(full.config(), tensors, 0);
    double expected = ref.loss(batch, new float[] {1f, 1f, 1f});
    assertThat(expected).isNotEqualTo(ref.loss(plain, new float[] {1f, 1f, 1f}));
    assertThat(full.evaluate(batch).weightedLossSum())
        .isCloseTo(expected, within(1e-5 * Math.abs(expected)));
    full.zeroGradients();
    assertThat(full.forwardBackward(batch, SCALE).weightedLossSum())
        .isCloseTo(expected, within(1e-5 * Math.abs(expected)));
    check(full.trainableParameters(), tensors, b -> ref.loss(b, SCALE), batch);
  }

  static List<String> check(
      List<Parameter> params,
      Map<String, double[]> tensors,
      ToDoubleFunction<TokenBatch> ref,
      TokenBatch batch) {
    List<String> checked = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(99);
    for (Parameter p : params) {
      double[] theta = tensors.get(p.name());
      float[] g = p.grad();
      // along a random ±1 direction over the whole tensor
      double[] dir = new double[theta.length];
      double analytic = 0;
      for (int i = 0; i < dir.length; i++) {
        dir[i] = r.nextBoolean() ? 1 : -1;
        analytic += g[i] * dir[i];
      }
      double numeric = directional(ref, batch, theta, dir);
      assertClose(p.name() + " along a random direction", analytic, numeric);
      // entry by entry at the largest gradients and two random entries
      List<Integer> entries = largest(g, 1);
      entries.add(r.nextInt(g.length));
      for (int i : entries) {
        double[] e = new double[theta.length];
        e[i] = 1;
        assertClose(p.name() + "[" + i + "]", g[i], directional(ref, batch, theta, e));
      }
      checked.add(p.name());
    }
    return checked;
  }

  private static double directional(
      ToDoubleFunction<TokenBatch> ref, TokenBatch batch, double[] theta, double[] dir) {
    double[] saved = theta.clone();
    for (int i = 0; i < theta.length; i++) {
      theta[i] = saved[i] + H * dir[i];
    }
    double plus = ref.applyAsDouble(batch);
    for (int i = 0; i < theta.length; i++) {
      theta[i] = saved[i] - H * dir[i];
    }
    double minus = ref.applyAsDouble(batch);
    System.arraycopy(saved, 0, theta, 0, theta.length);
    return (plus - minus) / (2 * H);
  }

  private static List<Integer> largest(float[] g, int k) {
    List<Integer> idx = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      int best = -1;
      for (int i = 0; i < g.length; i++) {
        if (!idx.contains(i) && (best < 0 || Math.abs(g[i]) > Math.abs(g[best]))) {
          best = i;
        }
      }
      idx.add(best);
    }
    return idx;
  }

  private static void assertClose(String what, double analytic, double numeric) {
    assertThat(Math.abs(analytic - numeric))
        .as("%s: analytic %s vs numeric %s", what, analytic, numeric)
        .isLessThanOrEqualTo(2e-3 * Math.abs(numeric) + 2e-5);
  }
}
