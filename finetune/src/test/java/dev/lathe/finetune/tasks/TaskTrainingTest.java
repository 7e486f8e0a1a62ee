package dev.lathe.finetune.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short real runs: LoRA on TinyStories-656K learns the strict format task from nothing, and a full
 * fine-tune of stories260K (a GGUF base) with every hyperparameter {@code auto} learns the JSON
 * task.
 */
class TaskTrainingTest {

  @Test
  void trainingOnTheFormatTaskRaisesItsHeldOutScore(@TempDir Path dir) throws Exception {
    TaskRunner runner = runner(dir, "models/hf-TinyStories-656K", new StrictFormatTask(), 11, 120);

    TaskRunner.Score base = runner.base();
    TaskRunner.Run run =
        runner.train(
            FineTuneOptions.defaults()
                .withEpochs(2)
                .withBatchSize(4)
                .withLearningRateMultiplier(10.0)
                .withSeed(1),
            "short");

    assertThat(base.heldOut()).isZero();
    assertThat(run.diverged()).isFalse();
    assertThat(run.score().validLoss()).isLessThan(base.validLoss());
    assertThat(run.value())
        .as("answers %s", run.score().answers())
        .isGreaterThanOrEqualTo(base.heldOut() + 0.25);
  }

  @Test
  void aFullFineTuneOfStories260kUnderAutoLearnsTheJsonTask(@TempDir Path dir) throws Exception {
    TaskRunner runner = runner(dir, "models/gguf/stories260K.gguf", new JsonKeysTask(), 1, 100);

    TaskRunner.Run run =
        runner.train(FineTuneOptions.defaults().withLoraRank(0).withSeed(1), "auto");

    // auto for full fine-tuning of 5 x 64-wide blocks: the multiplier's cap, cookbook epochs,
    // batch 1 for 100 examples
    assertThat(run.hyperparameters()).isEqualTo(new Hyperparameters(3, 1, 25.0));
    assertThat(runner.base().heldOut()).isZero();
    assertThat(run.diverged()).isFalse();
    assertThat(run.value()).as("answers %s", run.score().answers()).isGreaterThanOrEqualTo(0.75);
  }

  /** A runner for {@code task}'s data ({@code train} examples, 8 validation and held-out). */
  private static TaskRunner runner(Path dir, String model, SuiteTask task, long seed, int train)
      throws Exception {
    TaskData data = task.generate(seed, new SuiteTask.Sizes(train, 8, 8));
    return new TaskRunner(SharedAssets.require(model), task, data, dir);
  }
}
