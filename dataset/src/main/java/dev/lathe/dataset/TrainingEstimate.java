package dev.lathe.dataset;

/**
 * The cookbook's default-epochs and billed-tokens estimate for a training file.
 *
 * <p>{@code auto} epochs: start from {@value #TARGET_EPOCHS}; when {@code n·3 <} {@value
 * #MIN_TARGET_EXAMPLES}, use {@code min(25, 100 / n)}; when {@code n·3 >} {@value
 * #MAX_TARGET_EXAMPLES}, use {@code max(1, 25000 / n)} (integer division). OpenAI's observed jobs
 * agree (10 examples → 10 epochs, 100 examples → 3).
 *
 * @param examples number of training examples
 * @param epochs the epochs (the {@code auto} rule unless given)
 * @param maxTokensPerExample the per-example cap examples are truncated to
 * @param billedTokensPerEpoch Σ min(cap, tokens of each example)
 * @param chargedTokens {@code billedTokensPerEpoch × epochs}
 */
public record TrainingEstimate(
    long examples,
    int epochs,
    int maxTokensPerExample,
    long billedTokensPerEpoch,
    long chargedTokens) {

  /** The cookbook's {@code TARGET_EPOCHS}. */
  public static final int TARGET_EPOCHS = 3;

  /** The cookbook's {@code MIN_TARGET_EXAMPLES}. */
  public static final int MIN_TARGET_EXAMPLES = 100;

  /** The cookbook's {@code MAX_TARGET_EXAMPLES}. */
  public static final int MAX_TARGET_EXAMPLES = 25_000;

  /** The cookbook's {@code MIN_DEFAULT_EPOCHS}. */
  public static final int MIN_DEFAULT_EPOCHS = 1;

  /** The cookbook's {@code MAX_DEFAULT_EPOCHS}. */
  public static final int MAX_DEFAULT_EPOCHS = 25;

  /** Validates. */
  public TrainingEstimate {
    if (examples < 0 || epochs < 1 || maxTokensPerExample < 1 || billedTokensPerEpoch < 0) {
      throw new IllegalArgumentException(
          "invalid estimate: examples="
              + examples
              + ", epochs="
              + epochs
              + ", cap="
              + maxTokensPerExample
              + ", billed="
              + billedTokensPerEpoch);
    }
    if (chargedTokens != billedTokensPerEpoch * epochs) {
      throw new IllegalArgumentException("chargedTokens must be billedTokensPerEpoch × epochs");
    }
  }

  /**
   * The estimate for {@code examples} examples billing {@code billedTokensPerEpoch} tokens per
   * epoch, with {@code auto} epochs.
   */
  public static TrainingEstimate of(long examples, int maxTokensPerExample, long billedPerEpoch) {
    int epochs = autoEpochs(examples);
    return new TrainingEstimate(
        examples, epochs, maxTokensPerExample, billedPerEpoch, billedPerEpoch * epochs);
  }

  /** The {@code auto} epochs for {@code examples} examples (3 for an empty file). */
  public static int autoEpochs(long examples) {
    if (examples <= 0) {
      return TARGET_EPOCHS;
    }
    long epochs = TARGET_EPOCHS;
    if (examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES) {
      epochs = Math.min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES / examples);
    } else if (examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES) {
      epochs = Math.max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES / examples);
    }
    return (int) epochs;
  }
}
