package dev.lathe.finetune;

import dev.lathe.dataset.TrainingEstimate;

/**
 * OpenAI's three fine-tuning hyperparameters, resolved to numbers.
 *
 * @param epochs passes over the training file, 1–50
 * @param batchSize examples per optimizer step, 1–256
 * @param learningRateMultiplier factor on the method's base learning rate, > 0
 */
public record Hyperparameters(int epochs, int batchSize, double learningRateMultiplier) {

  /** Validates with the API's ranges. */
  public Hyperparameters {
    if (epochs < 1 || epochs > 50) {
      throw new IllegalArgumentException("n_epochs must be in 1..50, got " + epochs);
    }
    if (batchSize < 1 || batchSize > 256) {
      throw new IllegalArgumentException("batch_size must be in 1..256, got " + batchSize);
    }
    if (!(learningRateMultiplier > 0) || Double.isInfinite(learningRateMultiplier)) {
      throw new IllegalArgumentException(
          "learning_rate_multiplier must be a positive number, got " + learningRateMultiplier);
    }
  }

  /**
   * Resolves {@code "auto"} values (null here) for a training file of {@code examples} examples.
   *
   * <ul>
   *   <li>{@code n_epochs}: the cookbook rule ({@link TrainingEstimate#autoEpochs}): 3, raised
   *       towards 100 example-passes for small files (at most 25), lowered for huge ones.
   *   <li>{@code batch_size}: about 1 per 100 examples, between 1 and 32 ({@code clamp(n / 100, 1,
   *       32)}). OpenAI resolves 1 for ~100 examples; the cap keeps a CPU step affordable.
   *   <li>{@code learning_rate_multiplier}: 1, i.e. the method's base rate, which already is the
   *       value common LoRA and full fine-tuning recipes use (OpenAI's observed 1.8 applies to its
   *       own, unpublished base rate).
   * </ul>
   */
  public static Hyperparameters resolve(
      Integer epochs, Integer batchSize, Double learningRateMultiplier, long examples) {
    int e = epochs != null ? epochs : TrainingEstimate.autoEpochs(examples);
    int b = batchSize != null ? batchSize : autoBatchSize(examples);
    double lr = learningRateMultiplier != null ? learningRateMultiplier : 1.0;
    return new Hyperparameters(e, b, lr);
  }

  /** The {@code auto} batch size for {@code examples} examples. */
  public static int autoBatchSize(long examples) {
    return (int) Math.max(1, Math.min(32, examples / 100));
  }

  /** Optimizer steps for {@code examples} examples: epochs × ⌈examples / batch⌉. */
  public int totalSteps(int examples) {
    return epochs * stepsPerEpoch(examples);
  }

  /** Steps per epoch: ⌈examples / batch⌉ (the last step of an epoch may be smaller). */
  public int stepsPerEpoch(int examples) {
    return (examples + batchSize - 1) / batchSize;
  }
}
