package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under {@code auto}'s learning rate (×10 on TinyStories-656K), a multi-turn file's {@code weight:
 * 0} turn stays unlearnt: every example ends with the same {@code weight: 0} answer, which the
 * model would memorise if it were trained, while the weighted answer before it is learnt. The
 * validation file trains exactly that unweighted answer, so its loss is the loss of the turn that
 * must not be learnt: it does not fall, while the training loss falls.
 */
class AutoWeightZeroTest {
  private static final String SECRET = "purple zebra quantum seven under the old violin";
  private static final List<String> ANIMALS =
      List.of(
          "dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig", "horse",
          "sheep");

  @TempDir Path dir;

  private static String line(String animal, double answerWeight, double secretWeight) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"What does the "
        + animal
        + " say?\"},{\"role\":\"assistant\",\"content\":\"The "
        + animal
        + " says hello!\",\"weight\":"
        + (int) answerWeight
        + "},{\"role\":\"user\",\"content\":\"And the secret?\"},"
        + "{\"role\":\"assistant\",\"content\":\""
        + SECRET
        + "\",\"weight\":"
        + (int) secretWeight
        + "}]}\n";
  }

  @Test
  void aWeightZeroTurnIsNotLearntUnderAutoDefaults() throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder train = new StringBuilder();
    ANIMALS.forEach(a -> train.append(line(a, 1, 0)));
    StringBuilder valid = new StringBuilder();
    List.of("bee", "goat", "owl", "fox").forEach(a -> valid.append(line(a, 0, 1)));
    Files.writeString(dir.resolve("train.jsonl"), train);
    Files.writeString(dir.resolve("valid.jsonl"), valid);
    RecordingListener listener = new RecordingListener();
    FineTuneJob.Result result =
        new FineTuneJob(
                model,
                dir.resolve("train.jsonl"),
                dir.resolve("valid.jsonl"),
                dir.resolve("out"),
                FineTuneOptions.defaults().withEpochs(4).withSeed(11).withEvalEvery(1))
            .run(listener, () -> false);
    List<StepMetrics> steps = listener.steps;
    List<String> messages = listener.messages;
    assertThat(result.hyperparameters()).isEqualTo(new Hyperparameters(4, 1, 10.0));
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("auto: batch_size=1"));
    double firstTrain = steps.subList(0, 4).stream().mapToDouble(StepMetrics::trainLoss).sum();
    double lastTrain =
        steps.subList(steps.size() - 4, steps.size()).stream()
            .mapToDouble(StepMetrics::trainLoss)
            .sum();
    List<StepMetrics> validated = steps.stream().filter(StepMetrics::validated).toList();
    double secretBefore = validated.getFirst().validLoss();
    double secretLowest =
        validated.stream().mapToDouble(StepMetrics::validLoss).min().orElseThrow();
    System.out.printf(
        "weight-0 turn under auto: train loss %.3f -> %.3f, weight-0 turn loss %.3f -> lowest %.3f,"
            + " last %.3f%n",
        firstTrain / 4, lastTrain / 4, secretBefore, secretLowest, validated.getLast().validLoss());
    assertThat(lastTrain).isLessThan(0.5 * firstTrain);
    assertThat(secretLowest).isGreaterThan(0.95 * secretBefore);
  }
}
