package dev.lathe.finetune.tasks;

import dev.lathe.finetune.FineTuneJob;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.StepMetrics;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.tokenizer.ChatMessage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains one task's generated data through {@link FineTuneJob} (the entry point a fine-tuning job
 * uses, so {@code auto} hyperparameters, null in the options, resolve exactly as a job's do) and
 * scores the result on the held-out prompts. The base model's score and validation loss are
 * measured once, on first use.
 */
public final class TaskRunner {

  /** Context length the held-out answers and validation losses are measured with. */
  public static final int CONTEXT = 256;

  /** Tokens generated per held-out answer at most. */
  public static final int MAX_NEW_TOKENS = 48;

  private final Path model;
  private final SuiteTask task;
  private final TaskData data;
  private final TaskData.Written files;
  private final Path work;
  private Score base;

  /**
   * A runner writing the task's files and runs under {@code work}.
   *
   * @param model the base model directory
   */
  public TaskRunner(Path model, SuiteTask task, TaskData data, Path work) throws IOException {
    this.model = model;
    this.task = task;
    this.data = data;
    this.work = work;
    this.files = data.write(work.resolve("data"));
  }

  /**
   * A held-out score and a validation loss.
   *
   * @param heldOut the mean held-out score, 0–1
   * @param validLoss the whole-validation-file loss
   * @param answers the greedy answers, in held-out order
   */
  public record Score(double heldOut, double validLoss, List<String> answers) {}

  /**
   * One training run.
   *
   * @param hyperparameters the values the job resolved (or was given)
   * @param score the tuned model's score
   * @param value the number runs are compared by ({@link SuiteTask#metric()}): the held-out score,
   *     or the relative fall of the validation loss from the base model's
   * @param firstTrainLoss the mean training loss of the first tenth of the steps
   * @param lastTrainLoss the mean training loss of the last tenth of the steps
   * @param diverged a NaN or infinite loss, a mean training loss over the last tenth of the steps
   *     above the first tenth's, or a validation loss above the base model's
   * @param trainSeconds the job's wall time (loading, training and writing; not the scoring)
   * @param tunedModel the tuned model's directory (merged weights)
   */
  public record Run(
      Hyperparameters hyperparameters,
      Score score,
      double value,
      double firstTrainLoss,
      double lastTrainLoss,
      boolean diverged,
      double trainSeconds,
      Path tunedModel) {}

  /** The base model's score (measured on first call). */
  public Score base() throws IOException {
    if (base == null) {
      base = score(model);
    }
    return base;
  }

  /** The number a run with {@code score} is compared by. */
  public double value(Score score) throws IOException {
    return switch (task.metric()) {
      case HELD_OUT_SCORE -> score.heldOut();
      case VALID_LOSS_FALL -> (base().validLoss() - score.validLoss()) / base().validLoss();
    };
  }

  /**
   * Trains with {@code options} (as given: a job's options leave the context at the model's) into
   * {@code work/runs/label} and scores the tuned model.
   */
  public Run train(FineTuneOptions options, String label) throws IOException {
    List<StepMetrics> steps = new ArrayList<>();
    FineTuneJob job =
        new FineTuneJob(
            model, files.train(), files.valid(), work.resolve("runs").resolve(label), options);
    long t0 = System.nanoTime();
    FineTuneJob.Result r =
        job.run(
            new TrainingListener() {
              @Override
              public void onStep(StepMetrics m) {
                steps.add(m);
              }
            },
            () -> false);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Score s = score(r.mergedDir());
    int tenth = Math.max(1, steps.size() / 10);
    double first = meanTrainLoss(steps.subList(0, tenth));
    double last = meanTrainLoss(steps.subList(steps.size() - tenth, steps.size()));
    boolean diverged =
        !Double.isFinite(first)
            || !Double.isFinite(last)
            || !Double.isFinite(s.validLoss())
            || last > first
            || s.validLoss() > base().validLoss();
    return new Run(r.hyperparameters(), s, value(s), first, last, diverged, seconds, r.mergedDir());
  }

  /** The mean training loss of {@code steps}: NaN when any is NaN, infinite when any is. */
  private static double meanTrainLoss(List<StepMetrics> steps) {
    return steps.stream().mapToDouble(StepMetrics::trainLoss).average().orElse(Double.NaN);
  }

  private Score score(Path modelDir) throws IOException {
    List<List<ChatMessage>> chats = data.heldOut().stream().map(HeldOutPrompt::messages).toList();
    List<String> answers = GreedyAnswers.of(modelDir, chats, CONTEXT, MAX_NEW_TOKENS);
    double sum = 0;
    for (int i = 0; i < answers.size(); i++) {
      sum += task.score(data.heldOut().get(i), answers.get(i));
    }
    double loss = ValidationLoss.of(modelDir, files.valid(), CONTEXT);
    return new Score(sum / answers.size(), loss, answers);
  }
}
