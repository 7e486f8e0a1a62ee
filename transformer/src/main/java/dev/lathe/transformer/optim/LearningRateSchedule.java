package dev.lathe.transformer.optim;

/**
 * Learning rate per optimizer step (numbered from 1): linear warmup reaching {@code peak} at step
 * {@code warmupSteps}, then linear or cosine decay from {@code peak} at the first step after warmup
 * towards {@code peak · finalFraction}, which it would reach one step after {@code totalSteps} (so
 * the last step still learns, as in Hugging Face's schedulers).
 *
 * @param peak the rate after warmup (base rate × multiplier)
 * @param warmupSteps steps of linear warmup (0 for none)
 * @param totalSteps optimizer steps of the whole run
 * @param decay the shape of the decay after warmup
 * @param finalFraction the rate at the last step as a fraction of {@code peak}
 */
public record LearningRateSchedule(
    double peak, int warmupSteps, int totalSteps, Decay decay, double finalFraction) {

  /** How the rate falls after warmup. */
  public enum Decay {
    /** Constant at the peak. */
    CONSTANT,
    /** A straight line. */
    LINEAR,
    /** Half a cosine period. */
    COSINE
  }

  /** Validates. */
  public LearningRateSchedule {
    if (!(peak > 0) || Double.isInfinite(peak)) {
      throw new IllegalArgumentException("learning rate must be positive, got " + peak);
    }
    if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps) {
      throw new IllegalArgumentException(
          "need 0 <= warmupSteps <= totalSteps and totalSteps >= 1, got warmup "
              + warmupSteps
              + " of "
              + totalSteps);
    }
    if (!(finalFraction >= 0 && finalFraction <= 1)) {
      throw new IllegalArgumentException("finalFraction must be in [0, 1], got " + finalFraction);
    }
    if (decay == null) {
      throw new IllegalArgumentException("decay is required (CONSTANT, LINEAR or COSINE)");
    }
  }

  /** The rate for step {@code step}, numbered from 1 to {@code totalSteps}. */
  public double at(long step) {
    if (step <= warmupSteps) {
      return peak * step / warmupSteps;
    }
    int decaySteps = totalSteps - warmupSteps;
    double progress = Math.min(1.0, (double) (step - warmupSteps - 1) / decaySteps);
    double shape =
        switch (decay) {
          case CONSTANT -> 1.0;
          case LINEAR -> 1.0 - progress;
          case COSINE -> 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    return peak * (finalFraction + (1 - finalFraction) * shape);
  }
}
