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
 *
 * <p>Before there are {@value #MIN_HISTORY} accepted steps, a run whose learning rate is absurd
 * from step 1 would go unjudged: its loss explodes within two or three steps but stays finite
 * (TinyStories-656K at 10⁴ times the LoRA rate: 5.0, 9.7, 16.1). So in those first steps a loss
 * more than {@value #EARLY_JUMP} nats above the median of the steps accepted so far (at least the
 * first, whose loss is the untouched model's) is a divergence: a 55-fold rise in perplexity, which
 * a sane step does not make, while one batch being harder than another moves the loss by about one
 * nat even at batch size 1. Step 1 itself is judged only for finite values.
 *
 * <p>A finite loss either test refuses is only a suspect: one batch may simply be harder than the
 * recent ones. At batch size 1 on a classification set, an example whose label the model has not
 * learnt yet costs 2-3 nats while memorised ones cost 0.1, so the median and MAD (which ignore up
 * to half of the window) call it a spike. The {@link Trainer} then asks {@link #confirms}: the
 * batch of the last accepted step is evaluated again at the current weights, the ones that step
 * produced. Weights that diverged are worse on every batch, including the one they were just
 * trained on; a hard batch leaves that one as good as before, and its step is taken as usual.
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

  /** In the first steps, the least rise (nats) over the median of accepted steps that diverges. */
  static final double EARLY_JUMP = 4.0;

  /** Rollbacks a run may take; the next divergence fails it. */
  static final int MAX_ROLLBACKS = 3;

  /** The learning rate is multiplied by this at each rollback. */
  static final double LEARNING_RATE_FACTOR = 0.5;

  private final ArrayDeque<Double> recent = new ArrayDeque<>();

  /**
   * Why a step whose (pre-clipping) gradient norm is {@code gradNorm} diverged, or null when its
   * gradient is finite. Asked after {@link #checkLoss} passed.
   */
  String checkGradient(double gradNorm) {
    return Double.isFinite(gradNorm) ? null : "the gradient norm is " + gradNorm;
  }

  /**
   * Why the step with {@code loss} diverged, or null when it did not. The loss is that of the
   * weights before the step's update, so a loss that passes vouches for those weights.
   */
  String checkLoss(double loss) {
    if (!Double.isFinite(loss)) {
      return "the training loss is " + loss;
    }
    if (recent.isEmpty()) {
      return null;
    }
    double[] xs = recent.stream().mapToDouble(Double::doubleValue).toArray();
    double median = median(xs);
    if (recent.size() < MIN_HISTORY) {
      return loss > median + EARLY_JUMP
          ? String.format(
              Locale.ROOT,
              "the training loss %.4f rose more than %.0f nats above the first steps' (median"
                  + " %.4f over %d %s)",
              loss,
              EARLY_JUMP,
              median,
              xs.length,
              xs.length == 1 ? "step" : "steps")
          : null;
    }
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

  /**
   * Whether a suspect step is a divergence, given the batch of the last accepted step: its loss was
   * {@code before} at the weights that step updated and is {@code now} at the weights it produced.
   * Confirmed when the step made its own batch more than {@value #MIN_JUMP} nat worse, or not
   * finite.
   */
  static boolean confirms(double before, double now) {
    return !(now <= before + MIN_JUMP);
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
