package dev.lathe.finetune;

import java.util.Objects;

/**
 * Something a run's user must see, not only a log line: a safeguard acted (examples left out before
 * step 1, an early stop, the best checkpoint chosen, a rollback). The HTTP service posts it as a
 * job event once ({@link #key()} is its idempotency key, so a resumed run does not post it twice);
 * the CLI prints it.
 *
 * @param key stable per run, e.g. {@code preflight-untrained} or {@code early-stop}
 * @param warning whether it warns (OpenAI's {@code warn} level) or informs ({@code info})
 * @param message plain words
 */
public record TrainingNotice(String key, boolean warning, String message) {

  /** Requires every field. */
  public TrainingNotice {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
  }
}
