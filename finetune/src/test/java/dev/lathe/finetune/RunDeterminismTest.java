package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #4's "same seed, data and thread count ⇒ the same loss at every step", with the real engine
 * (TinyStories-656K) and a validation pass after every step: two runs in one JVM (the first partly
 * interpreted, the second JIT-compiled) give bit-identical training and validation losses,
 * accuracies and gradient norms at every step, for supervised LoRA with dropout and for full DPO
 * (whose reference log-probabilities and validation both come from the forward-only pass).
 */
class RunDeterminismTest {

  static FineTuneJob job(Path model, Path dir, String name, int rank) {
    return new FineTuneJob(
        model,
        dir.resolve("train.jsonl"),
        dir.resolve("valid.jsonl"),
        dir.resolve(name),
        FineTuneOptions.defaults()
            .withEpochs(2)
            .withBatchSize(4)
            .withLearningRateMultiplier(10.0)
            .withLoraRank(rank)
            .withSeed(17)
            .withContextLength(64)
            .withMicroBatchTokens(256)
            .withEvalEvery(1));
  }

  /** Every number a step reports, as raw bits, one string per step. */
  static List<String> steps(FineTuneJob job, FineTuneMethod<?> method) throws Exception {
    List<String> out = new ArrayList<>();
    TrainingListener listener =
        new TrainingListener() {
          @Override
          public void onStep(StepMetrics m) {
            out.add(
                m.step()
                    + " train "
                    + bits(m.trainLoss())
                    + " "
                    + bits(m.trainAccuracy())
                    + " valid "
                    + bits(m.validLoss())
                    + " "
                    + bits(m.validAccuracy())
                    + " gradNorm "
                    + bits(m.gradNorm())
                    + " rewards "
                    + m.rewards()
                    + " "
                    + m.validRewards());
          }
        };
    job.run(method, listener, () -> false);
    return out;
  }

  static String bits(double v) {
    return Long.toHexString(Double.doubleToRawLongBits(v));
  }

  @Test
  void twoSupervisedLoraRunsGiveTheSameLossesAtEveryStep(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Files.writeString(dir.resolve("train.jsonl"), chats(0, 12));
    Files.writeString(dir.resolve("valid.jsonl"), chats(100, 4));
    List<String> first = steps(job(model, dir, "a", 4), FineTuneMethod.SUPERVISED);
    List<String> second = steps(job(model, dir, "b", 4), FineTuneMethod.SUPERVISED);
    assertThat(first).hasSize(6).allMatch(s -> !s.contains("valid 7ff8"), "validation ran");
    assertThat(second).isEqualTo(first);
  }

  @Test
  void twoFullDpoRunsGiveTheSameLossesAtEveryStep(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder train = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      train.append(DpoTinyStoriesTest.pair("animal" + i));
    }
    Files.writeString(dir.resolve("train.jsonl"), train);
    Files.writeString(
        dir.resolve("valid.jsonl"),
        DpoTinyStoriesTest.pair("cat") + DpoTinyStoriesTest.pair("dog"));
    FineTuneMethod<PreferenceExample> dpo = FineTuneMethod.dpo(0.1);
    List<String> first = steps(job(model, dir, "a", 0), dpo);
    List<String> second = steps(job(model, dir, "b", 0), dpo);
    assertThat(first).hasSize(6).allMatch(s -> !s.contains("valid 7ff8"), "validation ran");
    assertThat(second).isEqualTo(first);
  }

  private static String chats(int from, int count) {
    StringBuilder t = new StringBuilder();
    for (int i = from; i < from + count; i++) {
      t.append("{\"messages\":[{\"role\":\"user\",\"content\":\"Name a color ")
          .append(i)
          .append("\"},{\"role\":\"assistant\",\"content\":\"Green, like the grass number ")
          .append(i)
          .append(".\"}]}\n");
    }
    return t.toString();
  }
}
