package dev.lathe.dataset;

import java.util.Objects;

/**
 * Everything {@code lathe validate} says about a file beyond validation: which tokenizer counted,
 * the statistics, the epochs and billed-tokens estimate, and the cost.
 *
 * @param model the model named by the user; null when none was (the cookbook's cl100k_base default)
 * @param tokenizer a short description of the tokenizer, e.g. {@code cl100k_base}
 * @param limitSource where {@code statistics.maxTokensPerExample()} comes from, in words
 * @param statistics the token and message statistics
 * @param estimate the {@code auto} epochs and billed tokens
 * @param cost the cost, or null when no price is known (no model given, or not in the table)
 * @param costNote why there is no cost, when {@code cost} is null
 */
public record DatasetEstimate(
    String model,
    String tokenizer,
    String limitSource,
    DatasetStatistics statistics,
    TrainingEstimate estimate,
    CostEstimate cost,
    String costNote) {

  /** Validates. */
  public DatasetEstimate {
    Objects.requireNonNull(tokenizer, "tokenizer");
    Objects.requireNonNull(limitSource, "limitSource");
    Objects.requireNonNull(statistics, "statistics");
    Objects.requireNonNull(estimate, "estimate");
    if (cost == null && costNote == null) {
      throw new IllegalArgumentException("without a cost, say why in costNote");
    }
  }

  /**
   * The estimate for {@code statistics} with {@code auto} epochs, priced for an OpenAI model from
   * {@code prices}.
   *
   * @param model the OpenAI model, or null for none (the cost is then unknown)
   */
  public static DatasetEstimate forOpenAi(
      String model,
      String tokenizer,
      String limitSource,
      DatasetStatistics statistics,
      TrainingCostTable prices) {
    TrainingEstimate estimate = statistics.estimate();
    if (model == null) {
      return new DatasetEstimate(
          null,
          tokenizer,
          limitSource,
          statistics,
          estimate,
          null,
          "no model given: name an OpenAI model to price the run (local models cost nothing)");
    }
    CostEstimate cost = prices.estimate(model, estimate.chargedTokens()).orElse(null);
    return new DatasetEstimate(
        model,
        tokenizer,
        limitSource,
        statistics,
        estimate,
        cost,
        cost != null ? null : "no published training price for " + model + " in the price table");
  }

  /** The estimate for a model Lathe trains locally: the cost is 0, and says so. */
  public static DatasetEstimate forLocal(
      String model, String tokenizer, String limitSource, DatasetStatistics statistics) {
    TrainingEstimate estimate = statistics.estimate();
    return new DatasetEstimate(
        model,
        tokenizer,
        limitSource,
        statistics,
        estimate,
        CostEstimate.local(model, estimate.chargedTokens()),
        null);
  }
}
