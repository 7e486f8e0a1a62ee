package dev.lathe.finetune;

import java.nio.file.Path;

/**
 * What a training run tells its caller as it goes; the HTTP service turns these into OpenAI job
 * events, the CLI into a progress line. Every method has an empty default. Calls come from the
 * training thread, in order.
 */
public interface TrainingListener {

  /** A listener that ignores everything. */
  TrainingListener NONE = new TrainingListener() {};

  /** Once before the first step (also when resuming), with the resolved plan. */
  default void onStart(TrainingPlan plan) {}

  /** After each optimizer step. */
  default void onStep(StepMetrics metrics) {}

  /**
   * After a checkpoint was written (completely) to {@code directory}: at every epoch end, every
   * {@code checkpointEvery} steps if asked, and where a stopped run stopped (so a paused or
   * interrupted job loses no step).
   */
  default void onCheckpoint(int step, Path directory) {}

  /**
   * After the checkpoint at {@code step} was removed from {@code directory}: its weights diverged
   * (the guard refused the loss they gave) or were never judged before a later divergence, and the
   * run went back to an earlier one ({@link Trainer}). Its step may be checkpointed again later.
   */
  default void onCheckpointRemoved(int step, Path directory) {}

  /**
   * At an epoch end, when the loss on the whole validation set ({@code validLoss}) is the lowest so
   * far: the checkpoint written next, at {@code step}, is the best and must be kept until the run
   * ends (its weights become the run's result; see {@link BestCheckpoint}).
   */
  default void onBest(int step, double validLoss) {}

  /** A note for the user: a truncated or skipped example, a resolved hyperparameter, … */
  default void onMessage(String message) {}

  /**
   * Something the user must see (a safeguard acted; see {@link TrainingNotice}); by default a
   * message like any other.
   */
  default void onNotice(TrainingNotice notice) {
    onMessage(notice.message());
  }

  /** When the run ends, finished or cancelled. */
  default void onFinished(TrainingSummary summary) {}
}
