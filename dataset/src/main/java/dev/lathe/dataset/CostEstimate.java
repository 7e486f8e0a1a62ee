package dev.lathe.dataset;

import java.util.Objects;

/**
 * What training on a file would cost.
 *
 * @param model the model priced
 * @param usdPerMillionTokens the training price per 1M billed tokens (0 for a local model)
 * @param chargedTokens billed tokens per epoch × epochs
 * @param usd the estimated cost in US dollars
 * @param basis where the price comes from, or why it is 0
 */
public record CostEstimate(
    String model, double usdPerMillionTokens, long chargedTokens, double usd, String basis) {

  /** Validates. */
  public CostEstimate {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(basis, "basis");
    if (usdPerMillionTokens < 0 || chargedTokens < 0 || usd < 0) {
      throw new IllegalArgumentException("prices and tokens must be >= 0");
    }
  }

  /** {@code chargedTokens} priced at {@code usdPerMillionTokens}. */
  public static CostEstimate priced(
      String model, double usdPerMillionTokens, long chargedTokens, String basis) {
    return new CostEstimate(
        model,
        usdPerMillionTokens,
        chargedTokens,
        usdPerMillionTokens * chargedTokens / 1_000_000.0,
        basis);
  }

  /** A model trained locally by Lathe: no per-token charge. */
  public static CostEstimate local(String model, long chargedTokens) {
    return new CostEstimate(
        model,
        0,
        chargedTokens,
        0,
        "local model: Lathe trains it on your own hardware, there is no per-token charge");
  }
}
