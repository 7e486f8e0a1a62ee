package dev.lathe.dataset;

/**
 * Token and message statistics of a dataset file, the cookbook's figures and more.
 *
 * @param examples examples counted (every line that parsed as a JSON object, valid or not, as the
 *     cookbook counts them)
 * @param examplesWithErrors how many of them have a validation error
 * @param examplesMissingSystem examples with messages but no {@code system} message
 * @param examplesMissingUser examples with messages but no {@code user} message
 * @param messagesPerExample distribution of messages per example; null when no example has messages
 *     (prompt/completion files)
 * @param tokensPerExample distribution of tokens per example (the cookbook's {@code
 *     num_total_tokens_per_example}); null for an empty file
 * @param assistantTokensPerExample distribution of assistant tokens (the cookbook's {@code
 *     num_assistant_tokens_per_example})
 * @param trainedTokensPerExample distribution of the assistant tokens with weight 1, those the loss
 *     is computed on
 * @param maxTokensPerExample the cap: longer examples are truncated in training
 * @param examplesOverLimit examples with more tokens than the cap
 * @param totalTokens Σ tokens of every example, uncapped
 * @param billedTokensPerEpoch Σ min(cap, tokens) over the examples
 */
public record DatasetStatistics(
    long examples,
    long examplesWithErrors,
    long examplesMissingSystem,
    long examplesMissingUser,
    StatisticSummary messagesPerExample,
    StatisticSummary tokensPerExample,
    StatisticSummary assistantTokensPerExample,
    StatisticSummary trainedTokensPerExample,
    int maxTokensPerExample,
    long examplesOverLimit,
    long totalTokens,
    long billedTokensPerEpoch) {

  /** Validates. */
  public DatasetStatistics {
    if (examples < 0 || examplesWithErrors > examples || examplesOverLimit > examples) {
      throw new IllegalArgumentException("inconsistent counts");
    }
    if (maxTokensPerExample < 1) {
      throw new IllegalArgumentException("maxTokensPerExample must be >= 1");
    }
  }

  /** The cookbook's epochs and billed-tokens estimate with {@code auto} epochs. */
  public TrainingEstimate estimate() {
    return TrainingEstimate.of(examples, maxTokensPerExample, billedTokensPerEpoch);
  }
}
