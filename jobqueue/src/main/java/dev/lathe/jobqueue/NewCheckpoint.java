package dev.lathe.jobqueue;

import java.util.Objects;

/**
 * A checkpoint to record for a job; at most one per (job, step), so re-adding the same step after a
 * resume returns the existing one.
 *
 * @param step the training step (or any monotone progress counter), >= 0
 * @param metrics JSON text or null
 * @param location where the checkpoint's bytes are (opaque to the queue), not blank
 * @param model the name of the model made from the checkpoint (OpenAI's {@code
 *     fine_tuned_model_checkpoint}), or null when none is
 */
public record NewCheckpoint(long step, String metrics, String location, String model) {

  /** A checkpoint no model is made from. */
  public NewCheckpoint(long step, String metrics, String location) {
    this(step, metrics, location, null);
  }

  public NewCheckpoint {
    Objects.requireNonNull(location, "location");
    if (step < 0) {
      throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
    }
    if (location.isBlank()) {
      throw new IllegalArgumentException("checkpoint location must not be blank");
    }
  }
}
