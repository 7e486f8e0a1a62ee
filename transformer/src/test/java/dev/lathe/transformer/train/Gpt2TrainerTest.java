package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.lathe.transformer.GenerationConfig;
import dev.lathe.transformer.Gpt2Model;
import dev.lathe.transformer.LoadedModel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GPT-2's training path: gradients against finite differences of the independent double forward
 * {@link DoubleGpt2} (same method and tolerance as {@link LlamaGradientTest}), the inference
 * cross-check, packing, recomputation, LoRA identities and PEFT names.
 */
class Gpt2TrainerTest {
  private static final float[] SCALE = LlamaGradientTest.SCALE;

  @Test
  void fullFineTuningGradientsMatchDoubleFiniteDifferences() {
    LoadedModel model = TrainFixtures.model("gpt2", 7);
    Gpt2Trainer full = (Gpt2Trainer) Training.full(model);
    TokenBatch batch = TrainFixtures.packedBatch();
    full.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors = TrainFixtures.tensors(full.trainableParameters(), List.of());
    DoubleGpt2 ref = new DoubleGpt2(full.config(), tensors, 0);
    List<String> checked =
        LlamaGradientTest.check(
            full.trainableParameters(), tensors, b -> ref.loss(b, SCALE), batch);
    assertThat(checked).hasSize(2 + 2 * 12 + 2);
  }

  @Test
  void loraGradientsMatchDoubleFiniteDifferences() {
    LoadedModel model = TrainFixtures.model("gpt2", 7);
    LoraConfig lc = new LoraConfig(3, 6, 0, LoraConfig.GPT2_LINEAR);
    TrainableModel lora = Training.lora(model, lc, new SplittableRandom(1));
    LlamaTrainerTest.randomizeB(lora, 2);
    TokenBatch batch = TrainFixtures.packedBatch();
    lora.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors =
        TrainFixtures.tensors(
            Training.full(model).trainableParameters(), lora.trainableParameters());
    DoubleGpt2 ref = new DoubleGpt2(((Gpt2Trainer) lora).config(), tensors, lc.scale());
    List<String> checked =
        LlamaGradientTest.check(
            lora.trainableParameters(), tensors, b -> ref.loss(b, SCALE), batch);
    assertThat(checked)
        .hasSize(2 * 4 * 2)
        .contains(
            "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight",
            "base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight");
  }

  @Test
  void evaluationEqualsTheInferencePathTokenByToken() {
    LoadedModel model = TrainFixtures.model("gpt2", 3);
    TokenBatch batch = TrainFixtures.packedBatch();
    double[] trained = Training.full(model).evaluate(batch).segmentLogProb();
    double[] inference = LlamaTrainerTest.inferenceLogProbs(model.model(), batch);
    for (int s = 0; s < trained.length; s++) {
      assertThat(trained[s]).isCloseTo(inference[s], offset(2e-4));
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void packedEqualsSeparateAndRecomputeChangesNoBit(boolean recompute) {
    LoadedModel model = TrainFixtures.model("gpt2", 3);
    TrainableModel saved = Training.full(model, false);
    TrainableModel other = Training.full(model, recompute);
    BatchResult p = saved.forwardBackward(TrainFixtures.packedBatch(), SCALE);
    TokenBatch second = recompute ? TrainFixtures.packedBatch() : TrainFixtures.separateBatch();
    BatchResult s = other.forwardBackward(second, SCALE);
    for (int i = 0; i < 3; i++) {
      assertThat(p.segmentLogProb()[i]).isCloseTo(s.segmentLogProb()[i], offset(1e-5));
    }
    for (int i = 0; i < saved.trainableParameters().size(); i++) {
      float[] ga = saved.trainableParameters().get(i).grad();
      float[] gb = other.trainableParameters().get(i).grad();
      if (recompute) {
        assertThat(gb).containsExactly(ga);
      } else {
        for (int j = 0; j < ga.length; j++) {
          assertThat(gb[j]).isCloseTo(ga[j], offset(1e-5f + 1e-4f * Math.abs(ga[j])));
        }
      }
    }
  }

  @Test
  void freshOrDisabledLoraIsTheBaseAndMergedWeightsAreTheAdaptedModel() {
    LoadedModel model = TrainFixtures.model("gpt2", 3);
    TokenBatch batch = TrainFixtures.packedBatch();
    double[] base = Training.full(model).evaluate(batch).segmentLogProb();
    Gpt2Trainer lora =
        (Gpt2Trainer) Training.lora(model, LoraConfig.DEFAULT, new SplittableRandom(4));
    assertThat(lora.evaluate(batch).segmentLogProb()).containsExactly(base);
    LlamaTrainerTest.randomizeB(lora, 5);
    double[] adapted = lora.evaluate(batch).segmentLogProb();
    assertThat(adapted[0]).isNotCloseTo(base[0], offset(1e-3));
    lora.setAdaptersEnabled(false);
    assertThat(lora.evaluate(batch).segmentLogProb()).containsExactly(base);
    lora.setAdaptersEnabled(true);
    Gpt2Model merged = new Gpt2Model(lora.config(), lora.mergedWeights());
    double[] viaMerge =
        LlamaTrainerTest.inferenceLogProbs(
            new LoadedModel(merged, "gpt2", lora.config(), GenerationConfig.EMPTY).model(), batch);
    for (int s = 0; s < adapted.length; s++) {
      assertThat(adapted[s]).isCloseTo(viaMerge[s], offset(2e-4));
    }
    assertThat(lora.parameter("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape())
        .containsExactly(48, 16);
  }
}
