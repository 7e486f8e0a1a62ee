package dev.lathe.finetune;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;

/**
 * Watches each optimizer step for divergence before its update is applied: a loss or gradient norm
 * that is not finite, or a loss spike far above the recent ones. The {@link Trainer} then skips the
 * update, rolls the run back to the last good checkpoint (the newest one written, or the start),
 * multiplies the learning rate by {@value #LEARNING_RATE_FACTOR} and posts an event; after {@value
 * #MAX_ROLLBACKS} rollbacks a further divergence fails the run with {@link DivergedException}.
 *
 * <p>A spike is judged robustly over the last {@value #WINDOW} accepted steps (once there are
 * {@value #MIN_HISTORY}): with m their median and MAD their median absolute deviation, a loss L is
 * a spike when {@code L > m + max(}{@value #Z_THRESHOLD}{@code · 1.4826 · MAD, }{@value
 * #MIN_JUMP}{@code )} and {@code L > 2m}. 1.4826 · MAD estimates the standard deviation of normal
 * noise, so the first bound is a z-score of {@value #Z_THRESHOLD} that one odd batch cannot skew;
 * the floor of {@value #MIN_JUMP} nat and the factor 2 keep a nearly flat loss (tiny MAD) or a
 * small one (a memorised set near 0.01) from alarming on ordinary batch-to-batch variation.
 */
final class DivergenceGuard {
  /** Recent accepted steps the spike test looks at. */
  static final int WINDOW = 20;

  /** Accepted steps needed before a spike can be judged. */
  static final int MIN_HISTORY = 10;

  /** Robust z-score above which a loss is a spike. */
  static final double Z_THRESHOLD = 10.0;

  /** The least jump (nats) over the median that counts as a spike. */
  static final double MIN_JUMP = 1.0;

  /** Rollbacks a run may take; the next divergence fails it. */
  static final int MAX_ROLLBACKS = 3;

  /** The learning rate is multiplied by this at each rollback. */
  static final double LEARNING_RATE_FACTOR = 0.5;

  private final ArrayDeque<Double> recent = new ArrayDeque<>();

  /**
   * Why the step with {@code loss} and (pre-clipping) gradient norm {@code gradNorm} diverged, or
   * null when it did not.
   */
  String check(double loss, double gradNorm) {
    if (!Double.isFinite(loss)) {
      return "the training loss is " + loss;
    }
    if (!Double.isFinite(gradNorm)) {
      return "the gradient norm is " + gradNorm;
    }
    if (recent.size() < MIN_HISTORY) {
      return null;
    }
    double[] xs = recent.stream().mapToDouble(Double::doubleValue).toArray();
    double median = median(xs);
    double[] dev = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      dev[i] = Math.abs(xs[i] - median);
    }
    double sigma = 1.4826 * median(dev);
    if (loss > median + Math.max(Z_THRESHOLD * sigma, MIN_JUMP) && loss > 2 * median) {
      return String.format(
          Locale.ROOT,
          "the training loss %.4f spiked (median %.4f over the last %d steps)",
          loss,
          median,
          xs.length);
    }
    return null;
  }

  /** Records the loss of a step whose update was applied. */
  void accept(double loss) {
    recent.addLast(loss);
    if (recent.size() > WINDOW) {
      recent.removeFirst();
    }
  }

  /** Forgets the recent losses (after a rollback, the steps are taken again). */
  void reset() {
    recent.clear();
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }
}
