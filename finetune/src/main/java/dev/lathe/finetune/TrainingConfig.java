package dev.lathe.finetune;

import dev.lathe.transformer.optim.AdamWConfig;
import dev.lathe.transformer.optim.LearningRateSchedule;

/**
 * Everything a run needs besides the model and the data. Defaults: {@link #lora} and {@link #full}.
 *
 * @param hyperparameters epochs, batch size, learning-rate multiplier (resolved)
 * @param baseLearningRate the method's base rate; the peak rate is base × multiplier
 * @param warmupFraction fraction of all steps spent warming up linearly (rounded down)
 * @param decay how the rate falls after warmup
 * @param optimizer AdamW's settings
 * @param maxGradNorm the global gradient norm is clipped to this
 * @param evalEvery evaluate on the validation sample every this many steps (and at the last)
 * @param validationSample how many validation examples (the first ones) form the fixed sample
 * @param checkpointEvery also checkpoint every this many steps (0: only at epoch ends)
 */
public record TrainingConfig(
    Hyperparameters hyperparameters,
    double baseLearningRate,
    double warmupFraction,
    LearningRateSchedule.Decay decay,
    AdamWConfig optimizer,
    double maxGradNorm,
    int evalEvery,
    int validationSample,
    int checkpointEvery) {

  /** LoRA's base learning rate, as in common LoRA recipes (TRL, Axolotl, Unsloth examples). */
  public static final double LORA_BASE_LEARNING_RATE = 2e-4;

  /** Full fine-tuning's base learning rate, as in common full-SFT recipes. */
  public static final double FULL_BASE_LEARNING_RATE = 2e-5;

  /** Validates. */
  public TrainingConfig {
    if (hyperparameters == null || decay == null || optimizer == null) {
      throw new IllegalArgumentException("hyperparameters, decay and optimizer are required");
    }
    if (!(baseLearningRate > 0)) {
      throw new IllegalArgumentException("base learning rate must be positive");
    }
    if (!(warmupFraction >= 0 && warmupFraction < 1)) {
      throw new IllegalArgumentException(
          "warmup fraction must be in [0, 1), got " + warmupFraction);
    }
    if (!(maxGradNorm > 0)) {
      throw new IllegalArgumentException("max gradient norm must be positive, got " + maxGradNorm);
    }
    if (evalEvery < 1 || validationSample < 1 || checkpointEvery < 0) {
      throw new IllegalArgumentException(
          "evalEvery and validationSample must be >= 1 and checkpointEvery >= 0");
    }
  }

  /**
   * LoRA defaults: base rate {@value #LORA_BASE_LEARNING_RATE}, 5% warmup, linear decay, no weight
   * decay, clip at 1.0, validation of 32 examples every 10 steps.
   */
  public static TrainingConfig lora(Hyperparameters h) {
    return new TrainingConfig(
        h,
        LORA_BASE_LEARNING_RATE,
        0.05,
        LearningRateSchedule.Decay.LINEAR,
        AdamWConfig.withWeightDecay(0.0),
        1.0,
        10,
        32,
        0);
  }

  /**
   * Full fine-tuning defaults: base rate {@value #FULL_BASE_LEARNING_RATE}, weight decay 0.01 (not
   * on norms and biases), otherwise as {@link #lora}.
   */
  public static TrainingConfig full(Hyperparameters h) {
    return new TrainingConfig(
        h,
        FULL_BASE_LEARNING_RATE,
        0.05,
        LearningRateSchedule.Decay.LINEAR,
        AdamWConfig.withWeightDecay(0.01),
        1.0,
        10,
        32,
        0);
  }

  /** This config with evaluation every {@code steps} steps. */
  public TrainingConfig withEvalEvery(int steps) {
    return new TrainingConfig(
        hyperparameters,
        baseLearningRate,
        warmupFraction,
        decay,
        optimizer,
        maxGradNorm,
        steps,
        validationSample,
        checkpointEvery);
  }

  /** This config with a checkpoint every {@code steps} steps as well as at epoch ends. */
  public TrainingConfig withCheckpointEvery(int steps) {
    return new TrainingConfig(
        hyperparameters,
        baseLearningRate,
        warmupFraction,
        decay,
        optimizer,
        maxGradNorm,
        evalEvery,
        validationSample,
        steps);
  }

  /** The schedule for a run of {@code totalSteps} steps. */
  public LearningRateSchedule schedule(int totalSteps) {
    return new LearningRateSchedule(
        baseLearningRate * hyperparameters.learningRateMultiplier(),
        (int) (warmupFraction * totalSteps),
        totalSteps,
        decay,
        0.0);
  }
}
