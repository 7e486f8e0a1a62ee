package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.ComputePool;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.GenerationConfig;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoadedModel;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LoRA over a base held in bf16: the trainer reads the model's bf16 arrays (no f32 copy), and gives
 * the same bits as LoRA over an f32 model holding the same (widened) values, for one and two
 * threads, with and without dropout; its adapter gradients match central finite differences of the
 * double-precision reference over those values; the merged weights equal the f32 trainer's.
 */
class LoraBf16BaseTest {
  private static final float[] SCALE = LlamaGradientTest.SCALE;
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool TWO = new ComputePool(2);

  @AfterAll
  static void stop() {
    ONE.close();
    TWO.close();
  }

  /** The fixture model of {@code type} held in bf16, and an f32 model of its widened values. */
  private static LoadedModel[] models(String type) {
    LlamaConfig c = TrainFixtures.config(type);
    LlamaModel bf16 = new LlamaModel(c, TrainFixtures.weights(c, 7), DType.BF16);
    LlamaWeights widened = bf16.weights(); // a fresh f32 copy of exactly the bf16 values
    LlamaModel f32 = new LlamaModel(c, widened);
    return new LoadedModel[] {
      new LoadedModel(bf16, type, c, GenerationConfig.EMPTY),
      new LoadedModel(f32, type, c, GenerationConfig.EMPTY)
    };
  }

  private static TrainableModel lora(LoadedModel m, double dropout, ComputePool pool) {
    LoraConfig lc = LoraConfig.of(4, 8, dropout);
    TrainableModel t =
        Training.trainer(m, new DecoderTrainer.Setup(lc, new SplittableRandom(5), false, pool));
    LlamaTrainerTest.randomizeB(t, 6);
    return t;
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void sameBitsAsLoraOverTheWidenedF32Weights(String type) {
    LoadedModel[] m = models(type);
    TokenBatch batch = TrainFixtures.packedBatch();
    for (double dropout : new double[] {0, 0.2}) {
      TrainableModel onBf16 = lora(m[0], dropout, TWO);
      assertThat(((DecoderTrainer<?, ?, ?, ?>) onBf16).baseDtype()).isEqualTo(DType.BF16);
      TrainableModel onF32 = lora(m[1], dropout, TWO);
      assertThat(((DecoderTrainer<?, ?, ?, ?>) onF32).baseDtype()).isEqualTo(DType.F32);
      var expected = TrainingDeterminismTest.run(onF32, batch, SCALE);
      String what = type + " dropout " + dropout;
      TrainingDeterminismTest.assertSameBits(
          TrainingDeterminismTest.run(onBf16, batch, SCALE), expected, what);
      TrainingDeterminismTest.assertSameBits(
          TrainingDeterminismTest.run(lora(m[0], dropout, ONE), batch, SCALE),
          expected,
          what + ", 1 thread");
    }
  }

  @Test
  void mergedWeightsEqualTheF32Trainers() {
    LoadedModel[] m = models("qwen2");
    var onBf16 = (DecoderTrainer<?, ?, ?, ?>) lora(m[0], 0, TWO);
    var onF32 = (DecoderTrainer<?, ?, ?, ?>) lora(m[1], 0, TWO);
    LlamaWeights a = (LlamaWeights) onBf16.mergedWeights();
    LlamaWeights b = (LlamaWeights) onF32.mergedWeights();
    assertThat(a.tokenEmbedding()).containsExactly(b.tokenEmbedding());
    assertThat(a.finalNorm()).containsExactly(b.finalNorm());
    for (int l = 0; l < a.layers().size(); l++) {
      var x = a.layers().get(l);
      var y = b.layers().get(l);
      for (float[][] pair :
          List.of(
              new float[][] {x.wq(), y.wq()},
              new float[][] {x.wv(), y.wv()},
              new float[][] {x.wDown(), y.wDown()},
              new float[][] {x.bq(), y.bq()})) {
        assertThat(pair[0]).as("layer %d", l).containsExactly(pair[1]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2"})
  void adapterGradientsMatchDoubleFiniteDifferences(String type) {
    LoadedModel[] m = models(type);
    LoraConfig lc = LoraConfig.of(3, 6, 0);
    LlamaTrainer lora = (LlamaTrainer) Training.lora(m[0], lc, new SplittableRandom(1));
    assertThat(lora.baseDtype()).isEqualTo(DType.BF16);
    LlamaTrainerTest.randomizeB(lora, 2);
    TokenBatch batch = TrainFixtures.packedBatch();
    lora.zeroGradients();
    lora.forwardBackward(batch, SCALE);
    Map<String, double[]> tensors =
        TrainFixtures.tensors(
            Training.full(m[1]).trainableParameters(), lora.trainableParameters());
    DoubleLlama ref = new DoubleLlama(lora.config(), tensors, lc.scale());
    List<String> checked =
        LlamaGradientTest.check(
            lora.trainableParameters(), tensors, b -> ref.loss(b, SCALE), batch);
    assertThat(checked).hasSize(lora.config().layers() * 7 * 2);
  }

  @Test
  void fullFineTuningOfABf16ModelTrainsAnF32Copy() {
    LoadedModel[] m = models("llama");
    assertThat(((DecoderTrainer<?, ?, ?, ?>) Training.full(m[0])).baseDtype()).isEqualTo(DType.F32);
    assertThatThrownBy(
            () ->
                new LlamaLayers(
                    new dev.lathe.transformer.ModelFamily.Llama("llama"),
                    TrainFixtures.config("llama"),
                    ((LlamaModel) m[0].model()).weights(),
                    ((LlamaModel) m[0].model()).bf16Weights(),
                    new DecoderTrainer.Setup(null, null, false, ONE)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("full fine-tuning needs the weights in f32");
  }
}
