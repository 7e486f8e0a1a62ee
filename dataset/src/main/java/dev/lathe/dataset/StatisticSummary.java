package dev.lathe.dataset;

/**
 * The summary of one per-example measure (tokens, messages, …) over a file.
 *
 * <p>Quantiles use numpy's default ({@code method="linear"}) interpolation between order
 * statistics. {@code p5}/{@code p95} are the true 5th and 95th percentiles; {@code q10}/{@code q90}
 * are the 0.1 and 0.9 quantiles that OpenAI's cookbook prints under the label "p5 / p95".
 *
 * @param count number of values
 * @param min smallest value
 * @param max largest value
 * @param mean arithmetic mean
 * @param median the middle value (mean of the two middle values for an even count)
 * @param p5 0.05 quantile
 * @param p95 0.95 quantile
 * @param q10 0.1 quantile (the cookbook's "p5")
 * @param q90 0.9 quantile (the cookbook's "p95")
 * @param exact false when some values were kept only approximately (see {@link
 *     StatisticDistribution}); min, max, mean and count are always exact
 */
public record StatisticSummary(
    long count,
    long min,
    long max,
    double mean,
    double median,
    double p5,
    double p95,
    double q10,
    double q90,
    boolean exact) {

  /** Validates the invariants. */
  public StatisticSummary {
    if (count <= 0) {
      throw new IllegalArgumentException("a summary needs at least one value, got " + count);
    }
    if (min > max) {
      throw new IllegalArgumentException("min " + min + " > max " + max);
    }
  }
}
