package dev.lathe.finetune;

import java.util.Locale;

/**
 * The best epoch-end checkpoint of a run with a validation file, and early stopping.
 *
 * <p>At each epoch end the {@link Trainer} measures the loss on the whole validation set (not the
 * fixed sample of the step metrics) and tells this tracker. A loss lower than the best so far makes
 * that epoch's checkpoint the best; ties keep the earlier one. When {@code patience} &gt; 0 and
 * that many epochs in a row did not improve, the run stops early. At the end the model is the best
 * checkpoint's, not the last step's: the exported adapter and merged model, and the {@code ft:}
 * model of a job, are the best (OpenAI returns the last; Lathe documents the difference).
 *
 * <p>The best step and loss are written into every checkpoint ({@link TrainingCheckpoint#bestStep},
 * {@link TrainingCheckpoint#bestValidLoss}), so a resumed run knows them.
 */
final class BestCheckpoint {
  private final int patience;
  private final int stepsPerEpoch;
  private int bestStep;
  private double bestLoss;

  /**
   * A tracker.
   *
   * @param patience epochs without improvement before stopping; 0 never stops early
   * @param bestStep the best step so far (0: none), from a checkpoint when resuming
   * @param bestLoss its validation loss (NaN: none)
   */
  BestCheckpoint(int patience, int stepsPerEpoch, int bestStep, double bestLoss) {
    this.patience = patience;
    this.stepsPerEpoch = stepsPerEpoch;
    this.bestStep = bestStep;
    this.bestLoss = bestLoss;
  }

  /** Records the whole-validation {@code loss} after {@code step}; true when it is a new best. */
  boolean record(int step, double loss) {
    if (bestStep == 0 || loss < bestLoss) {
      bestStep = step;
      bestLoss = loss;
      return true;
    }
    return false;
  }

  /** Epochs since the best one (0 when {@code step} is the best). */
  int epochsWithoutImprovement(int step) {
    return (step - bestStep) / stepsPerEpoch;
  }

  /** Whether the run should stop after the epoch that ended at {@code step}. */
  boolean shouldStop(int step) {
    return patience > 0 && epochsWithoutImprovement(step) >= patience;
  }

  /** The best step, 0 when none was measured. */
  int step() {
    return bestStep;
  }

  /** The best whole-validation loss, NaN when none was measured. */
  double loss() {
    return bestStep == 0 ? Double.NaN : bestLoss;
  }

  /** The event posted when the run stops early, in plain words. */
  String stopMessage(int step) {
    int epochs = epochsWithoutImprovement(step);
    return String.format(
        Locale.ROOT,
        "Validation loss did not improve for %d epoch%s (best %.4f at step %d); stopping early",
        epochs,
        epochs == 1 ? "" : "s",
        bestLoss,
        bestStep);
  }

  /** The event posted when the run ends with a best checkpoint, in plain words. */
  String chosenMessage() {
    return String.format(
        Locale.ROOT,
        "The fine-tuned model is the checkpoint at step %d, the best validation loss (%.4f)",
        bestStep,
        bestLoss);
  }
}
