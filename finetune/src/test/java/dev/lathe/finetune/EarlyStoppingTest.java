package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.testkit.ChatFiles;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.TrainableModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Best checkpoint and early stopping on the real TinyStories-656K: trained at a high rate on noise
 * (answers of random letters), the model's loss on ordinary story answers (the validation file)
 * turns up after the first epoch; with patience 2 the run stops two epochs after the best, ends
 * with the best checkpoint's weights, and the exported adapter's validation loss is exactly the
 * best one.
 */
class EarlyStoppingTest {

  @Test
  void validationLossThatTurnsUpStopsTheRunAndKeepsTheBestCheckpoint(@TempDir Path dir)
      throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Files.writeString(dir.resolve("train.jsonl"), ChatFiles.noise(10, 3));
    Files.writeString(dir.resolve("valid.jsonl"), ChatFiles.STORIES);
    List<String> messages = new ArrayList<>();
    List<Integer> bests = new ArrayList<>();
    List<Double> bestLosses = new ArrayList<>();
    FineTuneJob job =
        new FineTuneJob(
            model,
            dir.resolve("train.jsonl"),
            dir.resolve("valid.jsonl"),
            dir.resolve("out"),
            FineTuneOptions.defaults()
                .withEpochs(10)
                .withBatchSize(5)
                .withLearningRateMultiplier(50.0)
                .withLoraRank(8)
                .withSeed(5)
                .withEarlyStoppingPatience(2));
    FineTuneJob.Result result =
        job.run(
            new TrainingListener() {
              @Override
              public void onBest(int step, double validLoss) {
                bests.add(step);
                bestLosses.add(validLoss);
              }

              @Override
              public void onMessage(String message) {
                messages.add(message);
              }
            },
            () -> false);
    TrainingSummary s = result.summary();
    assertThat(s.stoppedEarly()).isTrue();
    assertThat(s.bestStep()).isEqualTo(bests.getLast()).isPositive();
    assertThat(s.steps()).isEqualTo(s.bestStep() + 2 * 2).isLessThan(s.totalSteps());
    double best = bestLosses.getLast();
    assertThat(messages)
        .contains(
            String.format(
                java.util.Locale.ROOT,
                "Validation loss did not improve for 2 epochs (best %.4f at step %d); stopping"
                    + " early",
                best,
                s.bestStep()),
            String.format(
                java.util.Locale.ROOT,
                "The fine-tuned model is the checkpoint at step %d, the best validation loss"
                    + " (%.4f)",
                s.bestStep(),
                best));
    // the run's result is the best checkpoint: in memory, and as exported
    assertThat(s.fullValidLoss()).isEqualTo(best);
    TrainableModel exported = ModelExport.readAdapter(result.adapterDir(), ModelLoader.load(model));
    try (HfTokenizer tokenizer = HfTokenizer.load(model)) {
      List<TrainingExample> v =
          TrainingData.render(
                  dir.resolve("valid.jsonl"),
                  new DatasetValidator(new ValidationOptions(null, 100, 0, 0, 1 << 20, 1 << 20), 1),
                  ExampleRenderer.forTokenizer(tokenizer, 512))
              .examples();
      SupervisedObjective objective = new SupervisedObjective(new MicroBatcher(2048, true));
      assertThat(objective.evaluate(exported, v).loss()).isEqualTo(best);
    }
    // the best checkpoint is on disk, and the later ones too (nothing deletes them in a CLI run)
    assertThat(job.layout().checkpoint(s.bestStep()).complete()).isTrue();
    assertThat(TrainingCheckpoint.read(job.layout().checkpoint(s.steps()).dir()).bestStep())
        .isEqualTo(s.bestStep());
  }
}
