package dev.lathe.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;

/**
 * Writes OpenAI's result file as steps complete: one row per step with the columns {@code step,
 * train_loss, train_accuracy, valid_loss, valid_mean_token_accuracy} (empty where validation was
 * not computed, 5 decimals), then Lathe's {@code full_valid_loss, full_valid_mean_token_accuracy}
 * (filled on the last row, at the end, like OpenAI's job metrics) and {@code learning_rate}. A DPO
 * run adds TRL's preference metrics of the step, {@code rewards/chosen, rewards/rejected,
 * rewards/accuracies, rewards/margins}, and of the validation sample, {@code
 * valid_rewards/accuracies, valid_rewards/margins}.
 */
public final class MetricsCsv implements TrainingListener {

  /** The header line. */
  public static final String HEADER =
      "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"
          + "full_valid_loss,full_valid_mean_token_accuracy,learning_rate";

  /** The names of the metrics a DPO run adds (TRL's), in column order. */
  public static final List<String> PREFERENCE_KEYS =
      List.of(
          "rewards/chosen",
          "rewards/rejected",
          "rewards/accuracies",
          "rewards/margins",
          "valid_rewards/accuracies",
          "valid_rewards/margins");

  /** The columns a DPO run adds to {@link #HEADER}. */
  public static final String PREFERENCE_COLUMNS = "," + String.join(",", PREFERENCE_KEYS);

  private final Writer out;
  private final boolean preference;
  private StepMetrics last;

  /** A writer of supervised rows to {@code out}; writes the header now. */
  public MetricsCsv(Writer out) {
    this(out, false);
  }

  /** A writer of rows to {@code out}, with the DPO columns when {@code preference}. */
  public MetricsCsv(Writer out, boolean preference) {
    this.out = out;
    this.preference = preference;
    write(HEADER + (preference ? PREFERENCE_COLUMNS : "") + "\n");
  }

  @Override
  public void onStep(StepMetrics m) {
    flushPending(Double.NaN, Double.NaN);
    last = m;
  }

  @Override
  public void onFinished(TrainingSummary summary) {
    flushPending(summary.fullValidLoss(), summary.fullValidAccuracy());
    try {
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void flushPending(double fullLoss, double fullAccuracy) {
    if (last == null) {
      return;
    }
    StepMetrics m = last;
    last = null;
    StringBuilder row =
        new StringBuilder()
            .append(m.step())
            .append(',')
            .append(num(m.trainLoss()))
            .append(',')
            .append(num(m.trainAccuracy()))
            .append(',')
            .append(num(m.validLoss()))
            .append(',')
            .append(num(m.validAccuracy()))
            .append(',')
            .append(num(fullLoss))
            .append(',')
            .append(num(fullAccuracy))
            .append(',')
            .append(String.format(Locale.ROOT, "%.6e", m.learningRate()));
    if (preference) {
      PreferenceRewards r = m.rewards();
      PreferenceRewards v = m.validRewards();
      row.append(',').append(r == null ? "" : num(r.chosen()));
      row.append(',').append(r == null ? "" : num(r.rejected()));
      row.append(',').append(r == null ? "" : num(r.accuracy()));
      row.append(',').append(r == null ? "" : num(r.margin()));
      row.append(',').append(v == null ? "" : num(v.accuracy()));
      row.append(',').append(v == null ? "" : num(v.margin()));
    }
    write(row.append('\n').toString());
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.5f", v);
  }

  private void write(String s) {
    try {
      out.write(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
