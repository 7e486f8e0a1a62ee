package dev.lathe.finetune;

/**
 * One rendered preference (DPO) pair: the prompt followed by the preferred answer, and the prompt
 * followed by the non-preferred one, each a {@link TrainingExample} whose trained positions are the
 * answer's tokens only. The two are packed as separate segments, so neither attends to the other.
 *
 * @param line 1-based line in its file (0 when it came from elsewhere)
 * @param chosen prompt + preferred answer (y_w)
 * @param rejected prompt + non-preferred answer (y_l)
 */
public record PreferenceExample(long line, TrainingExample chosen, TrainingExample rejected) {

  /** Validates. */
  public PreferenceExample {
    if (chosen == null || rejected == null) {
      throw new IllegalArgumentException("line " + line + ": a pair needs both answers");
    }
  }

  /** Whether either sequence was cut to the context. */
  public boolean truncated() {
    return chosen.truncated() || rejected.truncated();
  }

  /** The fewer of the two answers' trained tokens: 0 means the pair cannot be trained. */
  public int trainedTokens() {
    return Math.min(chosen.trainedTokens(), rejected.trainedTokens());
  }
}
