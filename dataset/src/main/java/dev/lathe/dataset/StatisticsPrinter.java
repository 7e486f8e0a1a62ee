package dev.lathe.dataset;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * Prints {@link DatasetEstimate} the way OpenAI's cookbook ({@code Chat_finetuning_data_prep})
 * prints its statistics, with one correction: the cookbook labels its 0.1/0.9 quantiles "p5 / p95";
 * here the true 5th/95th percentiles are printed as {@code p5 / p95} and the cookbook's figures as
 * {@code q10 / q90}. Numbers print as Python would print them, so the lines can be compared with a
 * notebook run.
 */
public final class StatisticsPrinter {

  private StatisticsPrinter() {}

  /** Prints the statistics, the estimate and the cost. */
  public static void print(DatasetEstimate report, PrintWriter out) {
    DatasetStatistics s = report.statistics();
    out.println("Tokenizer: " + report.tokenizer());
    out.println(
        "Examples counted: " + s.examples() + " (" + s.examplesWithErrors() + " with errors)");
    if (s.messagesPerExample() != null) {
      out.println("Num examples missing system message: " + s.examplesMissingSystem());
      out.println("Num examples missing user message: " + s.examplesMissingUser());
    }
    distribution(out, "num_messages_per_example", s.messagesPerExample());
    distribution(out, "num_total_tokens_per_example", s.tokensPerExample());
    distribution(out, "num_assistant_tokens_per_example", s.assistantTokensPerExample());
    distribution(
        out, "num_trained_assistant_tokens_per_example (weight 1)", s.trainedTokensPerExample());
    out.println();
    out.println(
        s.examplesOverLimit()
            + " examples may be over the "
            + String.format(Locale.ROOT, "%,d", s.maxTokensPerExample())
            + " token limit, they will be truncated during fine-tuning ("
            + report.limitSource()
            + ")");
    TrainingEstimate e = report.estimate();
    out.println(
        "Dataset has ~"
            + e.billedTokensPerEpoch()
            + " tokens that will be charged for during training");
    out.println("By default, you'll train for " + e.epochs() + " epochs on this dataset");
    out.println("By default, you'll be charged for ~" + e.chargedTokens() + " tokens");
    CostEstimate cost = report.cost();
    if (cost != null) {
      out.println(
          String.format(
              Locale.ROOT,
              "Estimated training cost on %s: $%.2f ($%.2f per 1M tokens; %s)",
              cost.model(),
              cost.usd(),
              cost.usdPerMillionTokens(),
              cost.basis()));
    } else {
      out.println("Estimated training cost: unknown; " + report.costNote());
    }
  }

  private static void distribution(PrintWriter out, String name, StatisticSummary s) {
    if (s == null) {
      return;
    }
    out.println();
    out.println("#### Distribution of " + name + ":");
    out.println("min / max: " + s.min() + ", " + s.max());
    out.println("mean / median: " + python(s.mean()) + ", " + python(s.median()));
    out.println("p5 / p95: " + python(s.p5()) + ", " + python(s.p95()));
    out.println(
        "q10 / q90: "
            + python(s.q10())
            + ", "
            + python(s.q90())
            + "  (the cookbook prints these as \"p5 / p95\")");
    if (!s.exact()) {
      out.println("(quantiles approximate to 0.3%: too many distinct large values to keep)");
    }
  }

  /** {@code value} as Python's {@code repr(float)} prints it in the range token counts live in. */
  static String python(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return value != value ? "nan" : (value > 0 ? "inf" : "-inf");
    }
    double magnitude = Math.abs(value);
    if (magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
      return Double.toString(value).replace("E", "e");
    }
    String plain = new BigDecimal(Double.toString(value)).toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }
}
