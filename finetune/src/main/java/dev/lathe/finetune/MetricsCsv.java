package dev.lathe.finetune;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Locale;

/**
 * Writes OpenAI's result file as steps complete: one row per step with the columns {@code step,
 * train_loss, train_accuracy, valid_loss, valid_mean_token_accuracy} (empty where validation was
 * not computed, 5 decimals), then Lathe's {@code full_valid_loss, full_valid_mean_token_accuracy}
 * (filled on the last row, at the end, like OpenAI's job metrics) and {@code learning_rate}.
 */
public final class MetricsCsv implements TrainingListener {

  /** The header line. */
  public static final String HEADER =
      "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"
          + "full_valid_loss,full_valid_mean_token_accuracy,learning_rate";

  private final Writer out;
  private StepMetrics last;

  /** A writer of rows to {@code out}; writes the header now. */
  public MetricsCsv(Writer out) {
    this.out = out;
    write(HEADER + "\n");
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
    write(
        m.step()
            + ","
            + num(m.trainLoss())
            + ","
            + num(m.trainAccuracy())
            + ","
            + num(m.validLoss())
            + ","
            + num(m.validAccuracy())
            + ","
            + num(fullLoss)
            + ","
            + num(fullAccuracy)
            + ","
            + String.format(Locale.ROOT, "%.6e", m.learningRate())
            + "\n");
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
