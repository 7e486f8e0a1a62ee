package dev.lathe.finetune.tasks;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.InvalidTrainingFileException;
import dev.lathe.finetune.MicroBatcher;
import dev.lathe.finetune.SupervisedObjective;
import dev.lathe.finetune.TrainingData;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The mean cross-entropy of a model on the trained tokens of a chat file, as a job's whole-file
 * validation loss measures it: the base model's loss, before any step, for a task judged by how
 * much training lowers it.
 */
public final class ValidationLoss {
  private ValidationLoss() {}

  /** The loss of the model in {@code modelDir} on {@code file}, examples cut to {@code ctx}. */
  public static double of(Path modelDir, Path file, int ctx) throws IOException {
    LoadedModel base = ModelLoader.load(modelDir);
    try (HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
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
      return objective.evaluate(Training.full(base), data.examples()).loss();
    }
  }
}
