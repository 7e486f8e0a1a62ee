package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Float weights on the real TinyStories-656K (full fine-tuning, so no dropout): a conversation
 * whose first answer has {@code weight} 0.5 and whose second has 1.0 has the loss {@code (0.5 · L1
 * + 1.0 · L2) / (N1 + N2)}, computed by hand in double precision from the unweighted cross-entropy
 * sums of each answer alone; its gradient is the same combination of theirs; and an example's own
 * {@code weight} 0.5 halves the loss exactly.
 */
class FloatWeightsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static HfTokenizer tokenizer;
  static TrainableModel model;
  static ExampleRenderer renderer;
  static SupervisedObjective objective = new SupervisedObjective(new MicroBatcher(512, true));

  @BeforeAll
  static void load() throws Exception {
    Path dir = SharedAssets.require("models/hf-TinyStories-656K");
    tokenizer = HfTokenizer.load(dir);
    model = Training.full(ModelLoader.load(dir));
    renderer = ExampleRenderer.forTokenizer(tokenizer, 512);
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  static TrainingExample chat(String exampleWeight, String w1, String w2) throws Exception {
    JsonNode json =
        JSON.readTree(
            "{"
                + (exampleWeight == null ? "" : "\"weight\":" + exampleWeight + ",")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What does the dog say?\"},"
                + "{\"role\":\"assistant\",\"content\":\"The dog says woof.\",\"weight\":"
                + w1
                + "},{\"role\":\"user\",\"content\":\"And the cat?\"},"
                + "{\"role\":\"assistant\",\"content\":\"The cat says meow to everyone.\","
                + "\"weight\":"
                + w2
                + "}]}");
    return renderer.render(1, DatasetFormat.CHAT, json);
  }

  @Test
  void weightsHalfAndOneGiveTheHandComputedLossAndGradient() throws Exception {
    TrainingExample first = chat(null, "1", "0");
    TrainingExample second = chat(null, "0", "1");
    TrainingExample weighted = chat(null, "0.5", "1.0");
    // the hand computation: unweighted cross-entropy sums of each answer alone, combined in double
    StepOutcome l1 = objective.evaluate(model, List.of(first));
    StepOutcome l2 = objective.evaluate(model, List.of(second));
    long n = l1.trainedTokens() + l2.trainedTokens();
    assertThat(l1.trainedTokens()).isPositive();
    assertThat(l2.trainedTokens()).isPositive();
    double expected = (0.5 * l1.lossSum() + 1.0 * l2.lossSum()) / n;

    StepOutcome evaluated = objective.evaluate(model, List.of(weighted));
    assertThat(evaluated.trainedTokens()).isEqualTo(n);
    assertThat(evaluated.loss()).isCloseTo(expected, within(1e-12 * expected));

    model.zeroGradients();
    StepOutcome trained = objective.accumulateGradients(model, List.of(weighted));
    assertThat(trained.loss()).isCloseTo(expected, within(1e-12 * expected));
    List<float[]> weightedGrads = grads();
    // the same combination of the answers' own gradients, each scaled by 1 / (N1 + N2)
    float[] scale = {1f / n};
    model.zeroGradients();
    model.forwardBackward(batch(first), new float[] {0.5f / n});
    model.forwardBackward(batch(second), scale);
    List<float[]> reference = grads();
    double maxAbs = 0;
    double maxDiff = 0;
    for (int p = 0; p < reference.size(); p++) {
      for (int i = 0; i < reference.get(p).length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(reference.get(p)[i]));
        maxDiff = Math.max(maxDiff, Math.abs(reference.get(p)[i] - weightedGrads.get(p)[i]));
      }
    }
    assertThat(maxAbs).isPositive();
    assertThat(maxDiff).isLessThan(1e-5 * maxAbs);
  }

  @Test
  void weightOneEverywhereIsTheUnweightedExampleAndAnExampleWeightOfHalfHalvesTheLoss()
      throws Exception {
    TrainingExample plain = chat(null, "1", "1");
    TrainingExample ones = chat("1.0", "1.0", "1");
    TrainingExample half = chat("0.5", "1", "1");
    assertThat(ones.weights()).isNull();
    assertThat(ones.targets()).isEqualTo(plain.targets());
    StepOutcome full = objective.evaluate(model, List.of(plain));
    assertThat(objective.evaluate(model, List.of(ones)).loss()).isEqualTo(full.loss());
    // scaling by a power of two is exact in floating point: the halved loss is bit for bit half
    assertThat(objective.evaluate(model, List.of(half)).loss()).isEqualTo(full.loss() / 2);
  }

  static TokenBatch batch(TrainingExample e) {
    return new MicroBatcher(512, true).split(List.of(e)).getFirst().batch();
  }

  static List<float[]> grads() {
    List<float[]> out = new ArrayList<>();
    for (Parameter p : model.trainableParameters()) {
      out.add(p.grad().clone());
    }
    return out;
  }
}
