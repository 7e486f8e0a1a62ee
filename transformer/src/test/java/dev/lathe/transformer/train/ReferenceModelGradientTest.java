package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.transformer.LoadedModel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The double-precision reference models with their own analytic (reverse-mode) gradients: first the
 * reference's gradient is checked against its own central finite differences to a relative error
 * below 1e-6; then the float engine's gradient is compared with it at EVERY entry of every
 * parameter, full fine-tuning and LoRA.
 *
 * <p>Engine tolerance per tensor: max |g_engine − g_ref| ≤ 1e-4 · max |g_ref| + 1e-7 (float32
 * accumulation over a few hundred terms; measured about 2e-6 · max |g_ref|).
 */
class ReferenceModelGradientTest {
  private static final float[] SCALE = LlamaGradientTest.SCALE;

  @ParameterizedTest
  @ValueSource(strings = {"llama", "llama2c", "mistral", "qwen2", "qwen3"})
  void llamaFamily(String type) {
    LoadedModel model = TrainFixtures.model(type, 7);
    TokenBatch batch = TrainFixtures.packedBatch();
    TrainableModel full = Training.full(model);
    full.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors = TrainFixtures.tensors(full.trainableParameters(), List.of());
    TapeLlama ref = new TapeLlama(((LlamaTrainer) full).config(), tensors, 0);
    TapeReference.Result r = ref.run(batch, SCALE);
    assertThat(r.segmentLogProb())
        .usingComparatorWithPrecision(1e-10)
        .containsExactly(
            new DoubleLlama(((LlamaTrainer) full).config(), tensors, 0).segmentLogProbs(batch));
    referenceMatchesFiniteDifferences(ref, tensors, r, batch);
    engineMatchesReference(full.trainableParameters(), r);

    LoraConfig lc = LoraConfig.of(3, 6, 0);
    TrainableModel lora = Training.lora(model, lc, new SplittableRandom(1));
    LlamaTrainerTest.randomizeB(lora, 2);
    lora.forwardBackward(batch, SCALE);
    Map<String, double[]> withLora =
        TrainFixtures.tensors(full.trainableParameters(), lora.trainableParameters());
    TapeLlama loraRef = new TapeLlama(((LlamaTrainer) lora).config(), withLora, lc.scale());
    engineMatchesReference(lora.trainableParameters(), loraRef.run(batch, SCALE));
  }

  @org.junit.jupiter.api.Test
  void gpt2() {
    LoadedModel model = TrainFixtures.model("gpt2", 7);
    TokenBatch batch = TrainFixtures.packedBatch();
    TrainableModel full = Training.full(model);
    full.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors = TrainFixtures.tensors(full.trainableParameters(), List.of());
    TapeGpt2 ref = new TapeGpt2(((Gpt2Trainer) full).config(), tensors, 0);
    TapeReference.Result r = ref.run(batch, SCALE);
    assertThat(r.segmentLogProb())
        .usingComparatorWithPrecision(1e-10)
        .containsExactly(
            new DoubleGpt2(((Gpt2Trainer) full).config(), tensors, 0).segmentLogProbs(batch));
    referenceMatchesFiniteDifferences(ref, tensors, r, batch);
    engineMatchesReference(full.trainableParameters(), r);

    LoraConfig lc = new LoraConfig(3, 6, 0, LoraConfig.GPT2_LINEAR);
    TrainableModel lora = Training.lora(model, lc, new SplittableRandom(1));
    LlamaTrainerTest.randomizeB(lora, 2);
    lora.forwardBackward(batch, SCALE);
    Map<String, double[]> withLora =
        TrainFixtures.tensors(full.trainableParameters(), lora.trainableParameters());
    TapeGpt2 loraRef = new TapeGpt2(((Gpt2Trainer) lora).config(), withLora, lc.scale());
    engineMatchesReference(lora.trainableParameters(), loraRef.run(batch, SCALE));
  }

  /** Per tensor: along a random ±1 direction over all its entries, h = 1e-5. */
  private static void referenceMatchesFiniteDifferences(
      TapeReference ref, Map<String, double[]> tensors, TapeReference.Result r, TokenBatch batch) {
    SplittableRandom rnd = new SplittableRandom(3);
    double h = 1e-5;
    double worstRel = 0;
    for (var e : r.gradients().entrySet()) {
      double[] theta = tensors.get(e.getKey());
      double[] g = e.getValue();
      double[] dir = new double[theta.length];
      for (int i = 0; i < dir.length; i++) {
        dir[i] = rnd.nextBoolean() ? 1 : -1;
      }
      for (double[] d : List.of(dir)) {
        double analytic = 0;
        for (int i = 0; i < d.length; i++) {
          analytic += g[i] * d[i];
        }
        double[] saved = theta.clone();
        for (int i = 0; i < theta.length; i++) {
          theta[i] = saved[i] + h * d[i];
        }
        double plus = ref.loss(batch, SCALE);
        for (int i = 0; i < theta.length; i++) {
          theta[i] = saved[i] - h * d[i];
        }
        double minus = ref.loss(batch, SCALE);
        System.arraycopy(saved, 0, theta, 0, theta.length);
        double numeric = (plus - minus) / (2 * h);
        worstRel = Math.max(worstRel, Math.abs(analytic - numeric) / Math.abs(numeric));
        assertThat(Math.abs(analytic - numeric))
            .as("%s: reference analytic %s vs numeric %s", e.getKey(), analytic, numeric)
            .isLessThanOrEqualTo(1e-6 * Math.abs(numeric) + 1e-9);
      }
    }
    System.out.printf("reference vs finite differences: worst relative error %.2e%n", worstRel);
  }

  private static void engineMatchesReference(List<Parameter> params, TapeReference.Result r) {
    assertThat(r.gradients().keySet()).containsAll(params.stream().map(Parameter::name).toList());
    double worstRatio = 0;
    for (Parameter p : params) {
      double[] expected = r.gradients().get(p.name());
      double scale = 0;
      double worst = 0;
      for (int i = 0; i < expected.length; i++) {
        scale = Math.max(scale, Math.abs(expected[i]));
        worst = Math.max(worst, Math.abs(p.grad()[i] - expected[i]));
      }
      assertThat(scale).as(p.name() + " has a gradient").isGreaterThan(0);
      assertThat(worst).as(p.name()).isLessThanOrEqualTo(1e-4 * scale + 1e-7);
      worstRatio = Math.max(worstRatio, worst / scale);
    }
    System.out.printf(
        "engine vs reference, %d tensors: worst max|diff| / max|g| %.2e%n",
        params.size(), worstRatio);
  }
}
