package dev.lathe.finetune;

/**
 * A run diverged again after {@link DivergenceGuard#MAX_ROLLBACKS} rollbacks: the message says at
 * which step, what was seen, what was tried and what to try next. The checkpoints on disk are the
 * good ones written before (a diverged step never updates the weights it would save).
 */
public final class DivergedException extends RuntimeException {

  /** A failure with {@code message}. */
  public DivergedException(String message) {
    super(message);
  }
}
