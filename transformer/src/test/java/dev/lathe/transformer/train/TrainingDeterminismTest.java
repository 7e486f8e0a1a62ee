package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.ComputePool;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelFamily;
import dev.lathe.transformer.ModelLoader;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Run-to-run determinism of the training engine: the same model, inputs and seed give the same bits
 * from {@code evaluate} and {@code forwardBackward} on every call of a JVM's life (before and after
 * the JIT compiles the kernels, with the activation arena reused across batches of the same shape),
 * with one or two compute threads; and adapters whose B is zero change no bit of the
 * log-probabilities against adapters switched off.
 */
class TrainingDeterminismTest {
  private static final ModelFamily.Llama LLAMA = new ModelFamily.Llama("llama");

  private static final float[] SCALE = {0.5f, -0.3f, 0.25f};

  /** What one evaluate and one forwardBackward give: log-probs of both, and every gradient. */
  record Bits(double[] evaluated, double[] trained, List<float[]> gradients) {}

  static Bits run(TrainableModel m, TokenBatch batch, float[] scale) {
    m.zeroGradients();
    double[] evaluated = m.evaluate(batch).segmentLogProb();
    double[] trained = m.forwardBackward(batch, scale).segmentLogProb();
    List<float[]> grads = m.trainableParameters().stream().map(p -> p.grad().clone()).toList();
    return new Bits(evaluated, trained, grads);
  }

  static void assertSameBits(Bits actual, Bits expected, String what) {
    assertThat(actual.evaluated()).as(what + ": evaluate").containsExactly(expected.evaluated());
    assertThat(actual.trained()).as(what + ": forwardBackward").containsExactly(expected.trained());
    for (int i = 0; i < expected.gradients().size(); i++) {
      assertThat(actual.gradients().get(i))
          .as(what + ": gradient %d", i)
          .containsExactly(expected.gradients().get(i));
    }
  }

  /**
   * A trainer on {@code pool}: every weight, or rank-4 adapters with B drawn at random (so the
   * adapters take part) and the given dropout.
   */
  static TrainableModel trainer(LoadedModel model, boolean lora, double dropout, ComputePool pool) {
    LoraConfig lc = lora ? LoraConfig.of(4, 8, dropout) : null;
    SplittableRandom random = lora ? new SplittableRandom(5) : null;
    TrainableModel t = Training.trainer(model, new DecoderTrainer.Setup(lc, random, false, pool));
    if (lora) {
      LlamaTrainerTest.randomizeB(t, 6);
    }
    return t;
  }

  /**
   * Another batch of the packed batch's shape (2 rows of 7) with other tokens and segments, so that
   * alternating the two reuses the activation arena with the other batch's values left in it.
   */
  static TokenBatch otherBatch() {
    int[] tokens = {12, 4, 19, 6, 2, 21, 15, 7, 13, 1, 2, 2, 2, 2};
    int[] segments = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, -1, -1, -1, -1};
    int[] positions = {0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 0, 1, 2, 3};
    return TrainFixtures.withNextTokenTargets(2, 7, tokens, positions, segments, 3);
  }

  @ParameterizedTest
  @CsvSource({"llama,false", "qwen3,true", "mistral,true", "gpt2,false", "gpt2,true"})
  void everyCallGivesTheSameBitsBeforeAndAfterJitWithOneOrTwoThreads(String type, boolean lora) {
    LoadedModel model = TrainFixtures.model(type, 3);
    TokenBatch packed = TrainFixtures.packedBatch();
    TokenBatch other = otherBatch();
    try (ComputePool two = new ComputePool(2);
        ComputePool one = new ComputePool(1)) {
      TrainableModel t = trainer(model, lora, 0, two);
      Bits first = run(t, packed, SCALE);
      Bits firstOther = run(t, other, SCALE);
      for (int call = 1; call <= 400; call++) { // enough calls for C2 to compile the kernels
        assertSameBits(run(t, packed, SCALE), first, "call " + call);
        assertSameBits(run(t, other, SCALE), firstOther, "call " + call + ", other batch");
      }
      assertSameBits(run(trainer(model, lora, 0, one), packed, SCALE), first, "1 thread");
      assertSameBits(run(trainer(model, lora, 0, two), packed, SCALE), first, "fresh trainer");
    }
  }

  /** Dropout masks come from the seed: a fresh trainer of the same seed repeats the first run. */
  @ParameterizedTest
  @CsvSource({"qwen2", "gpt2"})
  void theSameSeedRepeatsADropoutRunAfterManyOthers(String type) {
    LoadedModel model = TrainFixtures.model(type, 3);
    TokenBatch packed = TrainFixtures.packedBatch();
    try (ComputePool two = new ComputePool(2)) {
      Bits first = run(trainer(model, true, 0.1, two), packed, SCALE);
      TrainableModel busy = trainer(model, true, 0.1, two);
      for (int call = 0; call < 300; call++) {
        run(busy, packed, SCALE);
      }
      assertSameBits(run(trainer(model, true, 0.1, two), packed, SCALE), first, "same seed");
    }
  }

  /** Adding B·A·x with B = 0 adds exact zeros: log-probs equal those with the adapters off. */
  @ParameterizedTest
  @CsvSource({"llama", "qwen2", "gpt2"})
  void zeroAdaptersChangeNoBitOfTheLogProbs(String type) {
    LoadedModel model = TrainFixtures.model(type, 3);
    TokenBatch packed = TrainFixtures.packedBatch();
    TrainableModel lora = Training.lora(model, LoraConfig.of(4, 8, 0), new SplittableRandom(5));
    for (int call = 0; call < 300; call++) {
      lora.setAdaptersEnabled(call % 2 == 0);
      Bits on = run(lora, packed, SCALE);
      lora.setAdaptersEnabled(false);
      Bits off = run(lora, packed, SCALE);
      assertThat(on.evaluated()).as("evaluate, call %d", call).containsExactly(off.evaluated());
      assertThat(on.trained()).as("forwardBackward, call %d", call).containsExactly(off.trained());
    }
  }

  /**
   * The real TinyStories-656K (the DPO tests' model): the evaluate pass's log-probs, used for DPO's
   * reference and for validation losses, keep their bits over many calls, with one or two threads,
   * and with zero adapters on or off.
   */
  @Test
  void aRealModelsEvaluatePassKeepsItsBits() throws Exception {
    LoadedModel model = ModelLoader.load(SharedAssets.require("models/hf-TinyStories-656K"));
    LlamaModel m = (LlamaModel) model.model();
    SplittableRandom r = new SplittableRandom(7);
    int rows = 2;
    int t = 64;
    int[] tokens = new int[rows * t];
    int[] positions = new int[rows * t];
    int[] segments = new int[rows * t];
    for (int i = 0; i < rows * t; i++) {
      tokens[i] = r.nextInt(m.config().vocabSize());
      positions[i] = i % t;
      segments[i] = i / t;
    }
    TokenBatch batch =
        TrainFixtures.withNextTokenTargets(rows, t, tokens, positions, segments, rows);
    try (ComputePool two = new ComputePool(2);
        ComputePool one = new ComputePool(1)) {
      LlamaTrainer lora =
          new LlamaTrainer(
              LLAMA,
              m.config(),
              m.weights(),
              new DecoderTrainer.Setup(
                  LoraConfig.of(8, 16, 0.05), new SplittableRandom(1), false, two));
      double[] first = lora.evaluate(batch).segmentLogProb();
      for (int call = 1; call <= 40; call++) {
        lora.setAdaptersEnabled(call % 2 == 0);
        assertThat(lora.evaluate(batch).segmentLogProb())
            .as("call %d", call)
            .containsExactly(first);
      }
      LlamaTrainer single =
          new LlamaTrainer(
              LLAMA, m.config(), m.weights(), new DecoderTrainer.Setup(null, null, false, one));
      assertThat(single.evaluate(batch).segmentLogProb())
          .as("full, 1 thread")
          .containsExactly(first);
    }
  }
}
