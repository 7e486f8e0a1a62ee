package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.testkit.ChatFiles;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence guard on the real TinyStories-656K (LoRA): a NaN injected into the gradient of one
 * step (through a test objective that wraps the supervised one) rolls the run back to the last
 * checkpoint with a halved learning rate and the run completes; NaNs at every step fail it after
 * three rollbacks with the message; either way every checkpoint on disk loads with finite values.
 * And the spike test itself, on made-up losses.
 */
class DivergenceTest {

  /** 10 examples, batch 5, 4 epochs: 8 steps, checkpoints at 2, 4, 6, 8. */
  static List<TrainingExample> examples(Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("train.jsonl"), ChatFiles.noise(10, 1));
    try (HfTokenizer tokenizer =
        HfTokenizer.load(SharedAssets.require("models/hf-TinyStories-656K"))) {
      return TrainingData.render(
              file,
              new DatasetValidator(new ValidationOptions(null, 100, 0, 0, 1 << 20, 1 << 20), 1),
              ExampleRenderer.forTokenizer(tokenizer, 512))
          .examples();
    }
  }

  /** Runs 8 steps with a NaN put into the gradient at the calls (1-based) {@code poisoned}. */
  static TrainingSummary run(Path dir, IntPredicate poisoned, List<String> notices)
      throws Exception {
    TrainableModel model =
        Training.lora(
            ModelLoader.load(SharedAssets.require("models/hf-TinyStories-656K")),
            LoraConfig.of(4, 8, 0),
            new SplittableRandom(1));
    SupervisedObjective supervised = new SupervisedObjective(new MicroBatcher(1024, true));
    int[] calls = {0};
    Objective<TrainingExample> injecting =
        new Objective<>() {
          @Override
          public StepOutcome accumulateGradients(TrainableModel m, List<TrainingExample> e) {
            StepOutcome out = supervised.accumulateGradients(m, e);
            if (poisoned.test(++calls[0])) {
              m.trainableParameters().getFirst().grad()[0] = Float.NaN;
            }
            return out;
          }

          @Override
          public StepOutcome evaluate(TrainableModel m, List<TrainingExample> e) {
            return supervised.evaluate(m, e);
          }
        };
    return new Trainer<>(
            model,
            injecting,
            TrainingConfig.lora(new Hyperparameters(4, 5, 1.0)),
            new TrainingListener() {
              @Override
              public void onNotice(TrainingNotice notice) {
                notices.add(notice.message());
              }
            },
            () -> false,
            new RunLayout(dir.resolve("run")).checkpoints())
        .run(examples(dir), List.of(), new SplittableRandom(2));
  }

  @Test
  void aNanGradientRollsBackToTheLastCheckpointWithAHalvedRateAndTheRunCompletes(@TempDir Path dir)
      throws Exception {
    List<String> notices = new ArrayList<>();
    TrainingSummary s = run(dir, call -> call == 5, notices);
    assertThat(notices)
        .containsExactly(
            "Step 5 diverged: the gradient norm is NaN; rolled back to the checkpoint at step 4"
                + " and lowered the learning rate to 0.5 of the schedule (rollback 1 of 3)");
    assertThat(s.steps()).isEqualTo(8);
    RunLayout run = new RunLayout(dir.resolve("run"));
    assertThat(run.checkpointsOnDisk())
        .extracting(RunLayout.Checkpoint::step)
        .containsExactly(2, 4, 6, 8);
    for (RunLayout.Checkpoint c : run.checkpointsOnDisk()) {
      TrainingCheckpoint loaded = TrainingCheckpoint.read(c.dir());
      assertFinite(loaded);
      assertThat(loaded.learningRateScale()).isEqualTo(c.step() < 5 ? 1.0 : 0.5);
      assertThat(loaded.rollbacks()).isEqualTo(c.step() < 5 ? 0 : 1);
    }
  }

  @Test
  void aRunThatKeepsDivergingFailsAfterThreeRollbacksWithTheMessage(@TempDir Path dir)
      throws Exception {
    List<String> notices = new ArrayList<>();
    assertThatThrownBy(() -> run(dir, call -> call >= 3, notices))
        .isInstanceOf(DivergedException.class)
        .hasMessage(
            "Step 3 diverged: the gradient norm is NaN, after 3 rollbacks to the last good"
                + " checkpoint, each lowering the learning rate (now 0.125 of the schedule). The"
                + " checkpoints on disk are intact. Try a lower learning_rate_multiplier or a"
                + " larger batch_size, and look for broken or extreme examples in the training"
                + " file.");
    assertThat(notices).hasSize(3).last().asString().endsWith("(rollback 3 of 3)");
    RunLayout run = new RunLayout(dir.resolve("run"));
    assertThat(run.checkpointsOnDisk()).extracting(RunLayout.Checkpoint::step).containsExactly(2);
    assertFinite(TrainingCheckpoint.read(run.checkpoint(2).dir()));
  }

  @Test
  void aSpikeIsJudgedAgainstTheMedianAndMadOfRecentSteps() {
    DivergenceGuard guard = new DivergenceGuard();
    double[] steady = {2.0, 2.05, 1.95, 2.02, 1.98, 2.01, 1.99, 2.04, 1.96, 2.03};
    for (int i = 0; i < steady.length; i++) {
      assertThat(guard.check(steady[i], 1.0)).isNull();
      guard.accept(steady[i]);
    }
    assertThat(guard.check(2.4, 1.0)).isNull();
    assertThat(guard.check(9.0, 1.0))
        .isEqualTo("the training loss 9.0000 spiked (median 2.0050 over the last 10 steps)");
    assertThat(guard.check(Double.NaN, 1.0)).isEqualTo("the training loss is NaN");
    assertThat(guard.check(2.0, Double.POSITIVE_INFINITY))
        .isEqualTo("the gradient norm is Infinity");
    // a memorised set near 0.01: one example's 0.5 is batch-to-batch variation, not a spike
    DivergenceGuard small = new DivergenceGuard();
    for (int i = 0; i < 12; i++) {
      small.accept(0.01 + 0.001 * (i % 3));
    }
    assertThat(small.check(0.5, 1.0)).isNull();
    assertThat(small.check(3.0, 1.0)).contains("spiked");
  }

  static void assertFinite(TrainingCheckpoint c) {
    for (float[] values : c.parameters().values()) {
      for (float v : values) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }
}
