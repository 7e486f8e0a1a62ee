package dev.lathe.finetune.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A short real run: LoRA on TinyStories-656K learns the strict format task from nothing. */
class TaskTrainingTest {

  @Test
  void trainingOnTheFormatTaskRaisesItsHeldOutScore(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    SuiteTask task = new StrictFormatTask();
    TaskData data = task.generate(11, new SuiteTask.Sizes(120, 8, 8));
    TaskRunner runner = new TaskRunner(model, task, data, dir);

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
}
