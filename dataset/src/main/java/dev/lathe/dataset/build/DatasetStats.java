package dev.lathe.dataset.build;

import dev.lathe.dataset.ExampleTokenCount;
import dev.lathe.dataset.StatisticDistribution;
import dev.lathe.dataset.StatisticSummary;
import dev.lathe.dataset.TokenCounter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A summary of an existing JSONL file in one streaming pass: examples per format, messages and
 * tokens per example (the cookbook's count with the given tokenizer), trained (assistant) tokens,
 * characters of normalised text, and how many examples repeat an earlier one exactly or nearly.
 */
public final class DatasetStats {

  private final Map<String, Long> formats = new TreeMap<>();
  private final StatisticDistribution messages = new StatisticDistribution();
  private final StatisticDistribution tokens = new StatisticDistribution();
  private final StatisticDistribution trained = new StatisticDistribution();
  private final StatisticDistribution characters = new StatisticDistribution();
  private long examples;
  private long exactDuplicates;
  private long nearDuplicates;

  private DatasetStats() {}

  /**
   * The statistics of {@code examples}, tokens counted by {@code counter}; near duplicates at
   * {@code nearThreshold} (0: exact ones only).
   */
  public static DatasetStats of(ExampleStream examples, TokenCounter counter, double nearThreshold)
      throws IOException {
    DatasetStats stats = new DatasetStats();
    Deduplicator dedupe = new Deduplicator(nearThreshold);
    examples.forEach(
        (example, group, origin) -> {
          stats.examples++;
          String format =
              example.has("messages")
                  ? "chat"
                  : example.has("preferred_output")
                      ? "preference"
                      : example.has("prompt") ? "prompt_completion" : "unknown";
          stats.formats.merge(format, 1L, Long::sum);
          if (!format.equals("unknown")) {
            ExampleTokenCount count = counter.count(null, example);
            stats.messages.add(count.messages());
            stats.tokens.add(count.tokens());
            stats.trained.add(count.trainedTokens());
          }
          stats.characters.add(Deduplicator.normalise(example).length());
          switch (dedupe.check(example)) {
            case EXACT_DUPLICATE -> stats.exactDuplicates++;
            case NEAR_DUPLICATE -> stats.nearDuplicates++;
            case KEPT -> {}
          }
        });
    return stats;
  }

  /** Examples read. */
  public long examples() {
    return examples;
  }

  /** Examples repeating an earlier one's normalised text. */
  public long exactDuplicates() {
    return exactDuplicates;
  }

  /** Examples nearly repeating an earlier one (0 when not looked for). */
  public long nearDuplicates() {
    return nearDuplicates;
  }

  /** Prints the summary. */
  public void print(PrintWriter out, String tokenizer) {
    out.println("Examples: " + examples + " " + formats);
    out.println("Statistic            min      median   mean     p95      max");
    line(out, "messages", messages);
    line(out, "tokens (" + tokenizer + ")", tokens);
    line(out, "trained tokens", trained);
    line(out, "characters", characters);
    out.println("Total tokens: " + tokens.sum() + "; trained tokens: " + trained.sum());
    out.println(
        "Duplicates (normalised text): " + exactDuplicates + " exact, " + nearDuplicates + " near");
    out.flush();
  }

  private static void line(PrintWriter out, String name, StatisticDistribution values) {
    if (values.count() == 0) {
      out.printf(Locale.ROOT, "%-20s -%n", name);
      return;
    }
    StatisticSummary s = values.summary();
    out.printf(
        Locale.ROOT,
        "%-20s %-8d %-8.1f %-8.1f %-8.1f %d%n",
        name,
        s.min(),
        s.median(),
        s.mean(),
        s.p95(),
        s.max());
  }
}
