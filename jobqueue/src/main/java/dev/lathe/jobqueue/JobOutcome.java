package dev.lathe.jobqueue;

import java.util.Objects;

/** What a {@link JobHandler} returns; the {@link Worker} writes it to the store. */
public sealed interface JobOutcome {

  /** The job is done: running → succeeded with {@code result} (opaque text). */
  record Succeeded(String result) implements JobOutcome {}

  /** The job cannot be done: running → failed with {@code error} (opaque text). */
  record Failed(String error) implements JobOutcome {
    public Failed {
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * The handler stopped because {@link JobContext#shouldStop()} said so. The worker then writes
   * what stopped it: cancelled on a cancel request, paused on a pause request, nothing when the
   * lease was lost, and back to the queue when the worker itself is shutting down.
   */
  record Stopped() implements JobOutcome {}

  static JobOutcome succeeded(String result) {
    return new Succeeded(result);
  }

  static JobOutcome failed(String error) {
    return new Failed(error);
  }

  static JobOutcome stopped() {
    return new Stopped();
  }
}
