package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.lathe.tensor.ComputePool;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelFamily;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The real Hugging Face TinyStories-656K (Llama, GQA, tied head): its own greedy story as training
 * text, two rows of 48 with two stories packed in the second row. The training forward agrees with
 * the inference path, and a few plain gradient-descent steps on LoRA adapters, and on every weight,
 * lower the loss on that batch at every step.
 */
class RealModelTrainingTest {
  private static final ModelFamily.Llama LLAMA = new ModelFamily.Llama("llama");

  private static final int T = 48;

  private static Path dir() {
    return SharedAssets.require("models/hf-TinyStories-656K");
  }

  @Test
  void loraAndFullFineTuningStepsLowerTheLossOfARealModel() throws Exception {
    LoadedModel model = ModelLoader.load(dir());
    TokenBatch batch = batch(greedy(model.model(), 2 * T));
    double[] inference = LlamaTrainerTest.inferenceLogProbs(model.model(), batch);
    double[] trained = Training.full(model).evaluate(batch).segmentLogProb();
    for (int s = 0; s < trained.length; s++) {
      assertThat(trained[s]).isCloseTo(inference[s], offset(1e-3));
    }
    TrainableModel lora = Training.lora(model, LoraConfig.of(8, 16, 0.05), new SplittableRandom(1));
    descends(lora, batch, 5e-1f);
    descends(Training.full(ModelLoader.load(dir())), batch, 5e-2f);
  }

  /**
   * One and two compute threads give bit-identical gradients with the default (Vector API) kernels:
   * every reduction has a fixed order, independent of the thread count and of the JIT state.
   */
  @Test
  void gradientsAreBitIdenticalWithOneAndTwoComputeThreads() throws Exception {
    LoadedModel model = ModelLoader.load(dir());
    LlamaModel m = (LlamaModel) model.model();
    TokenBatch batch = batch(greedy(m, 2 * T));
    float[] scale = {0.01f, 0.02f, 0.03f};
    float[][][] grads = new float[2][][];
    for (int threads = 1; threads <= 2; threads++) {
      try (ComputePool pool = new ComputePool(threads)) {
        LlamaTrainer t =
            new LlamaTrainer(
                LLAMA,
                m.config(),
                m.weights(),
                new DecoderTrainer.Setup(
                    LoraConfig.of(8, 16, 0.1), new SplittableRandom(3), false, pool));
        LlamaTrainerTest.randomizeB(t, 4);
        t.forwardBackward(batch, scale);
        List<Parameter> ps = t.trainableParameters();
        grads[threads - 1] = new float[ps.size()][];
        for (int i = 0; i < ps.size(); i++) {
          grads[threads - 1][i] = ps.get(i).grad();
        }
      }
    }
    assertThat(grads[1]).isDeepEqualTo(grads[0]);
  }

  /** Three steps of θ −= lr·g on the mean token loss; the loss must fall at each. */
  private static void descends(TrainableModel m, TokenBatch batch, float lr) {
    long tokens = m.evaluate(batch).trainedTokens();
    float[] scale = new float[batch.segmentCount()];
    java.util.Arrays.fill(scale, 1f / tokens);
    double previous = Double.POSITIVE_INFINITY;
    for (int step = 0; step < 3; step++) {
      m.zeroGradients();
      long start = System.nanoTime();
      double loss = m.forwardBackward(batch, scale).lossSum() / tokens;
      long micros = (System.nanoTime() - start) / 1000;
      System.out.printf("step %d loss %.5f forward+backward %d µs%n", step, loss, micros);
      assertThat(loss).isLessThan(previous);
      previous = loss;
      for (Parameter p : m.trainableParameters()) {
        for (int i = 0; i < p.value().length; i++) {
          p.value()[i] -= lr * p.grad()[i];
        }
      }
    }
  }

  private static int[] greedy(LanguageModel m, int n) {
    int[] ids = new int[n];
    ids[0] = 1; // <|start_story|>
    float[] logits = new float[m.vocabularySize()];
    KvCache cache = m.newCache(n);
    for (int i = 0; i + 1 < n; i++) {
      m.forward(ids, i, 1, cache, logits);
      int best = 0;
      for (int j = 1; j < logits.length; j++) {
        best = logits[j] > logits[best] ? j : best;
      }
      ids[i + 1] = best;
    }
    return ids;
  }

  /** Row 0: the first 48 ids; row 1: ids 48..72 and 72..96 as two examples restarting at 0. */
  private static TokenBatch batch(int[] ids) {
    int[] segments = new int[2 * T];
    int[] positions = new int[2 * T];
    for (int i = 0; i < 2 * T; i++) {
      segments[i] = i < T ? 0 : i < T + T / 2 ? 1 : 2;
      positions[i] = i < T ? i : (i - T) % (T / 2);
    }
    return TrainFixtures.withNextTokenTargets(2, T, ids, positions, segments, 3);
  }
}
