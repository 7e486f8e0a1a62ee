package dev.lathe.jobqueue;

import java.util.Objects;

/**
 * An event to append to a job.
 *
 * @param key caller-chosen idempotency key, unique per job (e.g. {@code step-120}); appending a
 *     second event with the same key returns the first one unchanged, so a worker that resumes a
 *     job and replays a step cannot duplicate its events. Null means "always append".
 * @param level severity
 * @param message human text
 * @param type {@code message} or {@code metrics} (OpenAI's names), opaque to the queue
 * @param data JSON text or null
 */
public record NewEvent(String key, EventLevel level, String message, String type, String data) {

  public NewEvent {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(type, "type");
    if (key != null && key.isBlank()) {
      throw new IllegalArgumentException("event key must be null or non-blank");
    }
  }

  /** An info {@code message} event with empty JSON data and no key. */
  public static NewEvent info(String message) {
    return new NewEvent(null, EventLevel.INFO, message, "message", "{}");
  }

  /** The same event under an idempotency key. */
  public NewEvent withKey(String newKey) {
    return new NewEvent(newKey, level, message, type, data);
  }
}
