package dev.lathe.finetune.tasks;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.InvalidTrainingFileException;
import dev.lathe.finetune.MicroBatcher;
import dev.lathe.finetune.SupervisedObjective;
import dev.lathe.finetune.TrainingBase;
import dev.lathe.finetune.TrainingData;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The mean cross-entropy of a model on the trained tokens of a chat file, as a job's whole-file
 * validation loss measures it: the base model's loss, before any step, for a task judged by how
 * much training lowers it.
 */
public final class ValidationLoss {
  private ValidationLoss() {}

  /**
   * The loss of the model in {@code modelDir} (a directory or a {@code .gguf} file) on {@code
   * file}, examples cut to {@code ctx}.
   */
  public static double of(Path modelDir, Path file, int ctx) throws IOException {
    return of(modelDir, file, ctx, false);
  }

  /**
   * As {@link #of(Path, Path, int)}; with {@code withoutEnd}, each example's last trained token
   * (the end-of-turn token closing its last trained message) is left out, so the loss is that of
   * the messages' text alone: every trained turn ends with that token, so training any turn lowers
   * its loss, which says nothing about whether a given text was learnt.
   */
  public static double of(Path modelDir, Path file, int ctx, boolean withoutEnd)
      throws IOException {
    LoadedModel base = TrainingBase.load(modelDir);
    try (HfTokenizer tokenizer = TrainingBase.tokenizer(modelDir)) {
      int context = Math.min(ctx, base.config().contextLength());
      ExampleRenderer renderer = ExampleRenderer.forTokenizer(tokenizer, context);
      ValidationOptions d = ValidationOptions.defaults();
      ValidationOptions small =
          new ValidationOptions(
              null, d.maxIssuesPerCode(), 1, 1, d.maxLineBytes(), d.maxTrackedDuplicates());
      TrainingData data =
          TrainingData.load(file, new DatasetValidator(small), renderer, new TrainingListener() {});
      if (data.report().hasErrors()) {
        throw new InvalidTrainingFileException(
            file, InvalidTrainingFileException.Field.VALIDATION, data.report());
      }
      SupervisedObjective objective = new SupervisedObjective(new MicroBatcher(context, true));
      List<TrainingExample> examples =
          withoutEnd
              ? data.examples().stream().map(ValidationLoss::withoutEnd).toList()
              : data.examples();
      return objective.evaluate(Training.full(base), examples).loss();
    }
  }

  private static TrainingExample withoutEnd(TrainingExample e) {
    int[] targets = e.targets().clone();
    for (int t = targets.length - 1; t >= 0; t--) {
      if (targets[t] >= 0) {
        targets[t] = -1;
        break;
      }
    }
    return new TrainingExample(e.line(), e.tokens(), targets, e.truncated(), e.weights());
  }
}
