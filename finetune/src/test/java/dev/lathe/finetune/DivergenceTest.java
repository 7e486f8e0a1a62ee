package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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

  /**
   * A job on TinyStories-656K (LoRA rank 4, 10 chat examples, batch 5, 4 epochs: checkpoints at
   * steps 2, 4, 6, 8) at {@code multiplier} times the LoRA rate.
   */
  static FineTuneJob absurdJob(Path dir, double multiplier) throws Exception {
    StringBuilder t = new StringBuilder();
    for (String a :
        List.of("dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig")) {
      t.append(ChatFiles.chat("What does the " + a + " say?", "The " + a + " says hello!"));
    }
    return job(dir, t, 5, multiplier, 4, 3);
  }

  /** A 4-epoch job on TinyStories-656K training {@code lines} with these values. */
  static FineTuneJob job(
      Path dir, CharSequence lines, int batch, double multiplier, int rank, long seed)
      throws Exception {
    return new FineTuneJob(
        SharedAssets.require("models/hf-TinyStories-656K"),
        Files.writeString(dir.resolve("train.jsonl"), lines),
        null,
        dir.resolve("out"),
        FineTuneOptions.defaults()
            .withEpochs(4)
            .withBatchSize(batch)
            .withLearningRateMultiplier(multiplier)
            .withLoraRank(rank)
            .withSeed(seed));
  }

  /** What a job's listener heard: step losses, notices and removed checkpoints, in order. */
  static final class Heard implements TrainingListener {
    final List<Double> losses = new ArrayList<>();
    final List<String> notices = new ArrayList<>();
    final List<Integer> removed = new ArrayList<>();

    @Override
    public void onStep(StepMetrics m) {
      losses.add(m.trainLoss());
    }

    @Override
    public void onNotice(TrainingNotice notice) {
      notices.add(notice.message());
    }

    @Override
    public void onCheckpointRemoved(int step, Path directory) {
      assertThat(directory).doesNotExist();
      removed.add(step);
    }
  }

  @Test
  void anAbsurdLearningRateFromStepOneFailsWithTheMessageAndLeavesNoRefusedCheckpoint(
      @TempDir Path dir) throws Exception {
    // 10^4 times the LoRA rate: the loss goes from about 5 to 9-15 by step 2 or 3, finite all
    // along; the spike test alone would judge
    // nothing before step 11
    FineTuneJob job = absurdJob(dir, 1e4);
    Heard heard = new Heard();
    Throwable thrown = catchThrowable(() -> job.run(heard, () -> false));
    assertThat(thrown)
        .isInstanceOf(DivergedException.class)
        .hasMessageContaining("rose more than 4 nats above the first steps' (median ")
        .hasMessageContaining(
            "after 3 rollbacks to the last good checkpoint, each lowering the learning rate (now"
                + " 0.125 of the schedule)")
        .hasMessageContaining("Try a lower learning_rate_multiplier");
    assertThat(heard.notices).hasSize(3);
    // the step that diverges (2 or 3) may differ between attempts, as the lowered rate changes
    // the path
    assertThat(thrown.getMessage()).matches("Step [23] diverged: the training loss .*");
    for (int i = 0; i < 3; i++) {
      assertThat(heard.notices.get(i))
          .matches("Step [23] diverged: the training loss .*")
          .endsWith(
              "; rolled back to the start and lowered the learning rate to "
                  + (0.5 / (1 << i))
                  + " of the schedule (rollback "
                  + (i + 1)
                  + " of 3)");
    }
    // each attempt's checkpoint before the diverging step held the weights whose loss diverged:
    // removed each time
    assertThat(heard.removed).hasSizeBetween(3, 4).allSatisfy(s -> assertThat(s).isBetween(1, 2));
    assertThat(job.layout().checkpointsOnDisk()).isEmpty();
    assertThat(job.layout().adapter()).doesNotExist();
    assertThat(job.layout().lineage()).doesNotExist();
  }

  @Test
  void aVeryHighLearningRateRecoversByRollingBackToTheStartAndEveryCheckpointLoads(
      @TempDir Path dir) throws Exception {
    FineTuneJob job = absurdJob(dir, 1e3);
    Heard heard = new Heard();
    FineTuneJob.Result result = job.run(heard, () -> false);
    assertThat(heard.notices)
        .singleElement()
        .asString()
        .startsWith("Step 3 diverged: the training loss ")
        .contains("rose more than 4 nats above the first steps'")
        .endsWith(
            "; rolled back to the start and lowered the learning rate to 0.5 of the schedule"
                + " (rollback 1 of 3)");
    // the checkpoint at step 2 held the diverged weights (step 3's loss is theirs): removed
    assertThat(heard.removed).containsExactly(2);
    assertThat(result.summary().steps()).isEqualTo(8);
    assertThat(heard.losses).hasSize(2 + 8);
    assertThat(heard.losses.getLast()).isLessThan(heard.losses.getFirst() - 2);
    assertThat(job.layout().checkpointsOnDisk())
        .extracting(RunLayout.Checkpoint::step)
        .containsExactly(2, 4, 6, 8);
    for (RunLayout.Checkpoint c : job.layout().checkpointsOnDisk()) {
      TrainingCheckpoint loaded = TrainingCheckpoint.read(c.dir());
      assertFinite(loaded);
      assertThat(loaded.learningRateScale()).isEqualTo(0.5);
      assertThat(loaded.rollbacks()).isEqualTo(1);
    }
  }

  @Test
  void inTheFirstStepsALossFourNatsAboveTheirMedianDiverges() {
    DivergenceGuard guard = new DivergenceGuard();
    assertThat(guard.checkLoss(100.0)).isNull(); // step 1: the untouched model's loss
    guard.accept(5.0);
    assertThat(guard.checkLoss(9.0)).isNull();
    assertThat(guard.checkLoss(9.5))
        .isEqualTo(
            "the training loss 9.5000 rose more than 4 nats above the first steps' (median 5.0000"
                + " over 1 step)");
    guard.accept(3.0);
    guard.accept(8.0);
    assertThat(guard.checkLoss(9.0)).isNull();
    assertThat(guard.checkLoss(9.1)).contains("(median 5.0000 over 3 steps)");
    assertThat(guard.checkLoss(Double.POSITIVE_INFINITY))
        .isEqualTo("the training loss is Infinity");
  }

  @Test
  void aSpikeIsJudgedAgainstTheMedianAndMadOfRecentSteps() {
    DivergenceGuard guard = new DivergenceGuard();
    double[] steady = {2.0, 2.05, 1.95, 2.02, 1.98, 2.01, 1.99, 2.04, 1.96, 2.03};
    for (int i = 0; i < steady.length; i++) {
      assertThat(guard.checkLoss(steady[i])).isNull();
      guard.accept(steady[i]);
    }
    assertThat(guard.checkLoss(2.4)).isNull();
    assertThat(guard.checkLoss(9.0))
        .isEqualTo("the training loss 9.0000 spiked (median 2.0050 over the last 10 steps)");
    assertThat(guard.checkLoss(Double.NaN)).isEqualTo("the training loss is NaN");
    assertThat(guard.checkGradient(Double.POSITIVE_INFINITY))
        .isEqualTo("the gradient norm is Infinity");
    assertThat(guard.checkGradient(3.0)).isNull();
    // a memorised set near 0.01: one example's 0.5 is batch-to-batch variation, not a spike
    DivergenceGuard small = new DivergenceGuard();
    for (int i = 0; i < 12; i++) {
      small.accept(0.01 + 0.001 * (i % 3));
    }
    assertThat(small.checkLoss(0.5)).isNull();
    assertThat(small.checkLoss(3.0)).contains("spiked");
  }

  @Test
  void oneHardExampleAtBatchSizeOneIsNotADivergence(@TempDir Path dir) throws Exception {
    // ten copies of one answer, memorised within an epoch, and one contradicting answer that
    // stays several nats dearer: at batch size 1 its steps are far above the median of the
    // others, which the spike test alone calls a divergence
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      t.append(ChatFiles.chat("What does the dog say?", "The dog says hello!"));
    }
    t.append(ChatFiles.chat("What does the dog say?", "Moo, said the big red car."));
    FineTuneJob job = job(dir, t, 1, 10.0, 8, 5);
    Heard heard = new Heard();
    FineTuneJob.Result result = job.run(heard, () -> false);
    assertThat(heard.notices).isEmpty();
    assertThat(result.summary().steps()).isEqualTo(44);
    assertThat(heard.losses).hasSize(44);
    // the same losses, judged by the spike test without the re-evaluation, do raise a suspect
    DivergenceGuard spikeOnly = new DivergenceGuard();
    int suspects = 0;
    for (double loss : heard.losses) {
      if (spikeOnly.checkLoss(loss) != null) {
        suspects++;
      }
      spikeOnly.accept(loss);
    }
    assertThat(suspects).isPositive();
  }

  @Test
  void aSuspectIsConfirmedOnlyWhenTheLastBatchGotWorseAtTheNewWeights() {
    assertThat(DivergenceGuard.confirms(0.2, 0.15)).isFalse();
    assertThat(DivergenceGuard.confirms(0.2, 1.2)).isFalse();
    assertThat(DivergenceGuard.confirms(0.2, 1.3)).isTrue();
    assertThat(DivergenceGuard.confirms(0.2, Double.NaN)).isTrue();
  }

  static void assertFinite(TrainingCheckpoint c) {
    for (float[] values : c.parameters().values()) {
      for (float v : values) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }
}
