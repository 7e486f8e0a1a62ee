package dev.lathe.finetune;

import dev.lathe.dataset.TrainingEstimate;
import dev.lathe.transformer.ModelConfig;

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
   * Resolves {@code "auto"} values (null here) for a run of {@code examples} examples on a model
   * whose transformer blocks hold {@code blockWeights} projection weights, trained with LoRA or in
   * full. Each explicit value wins on its own; the rule is deterministic (no randomness, no clock).
   *
   * <ul>
   *   <li>{@code n_epochs}: the cookbook rule ({@link TrainingEstimate#autoEpochs}): 3, raised
   *       towards 100 example-passes for small files (at most 25), lowered for huge ones.
   *   <li>{@code batch_size}: about 1 per 100 examples, between 1 and 32 ({@code clamp(n / 100, 1,
   *       32)}). OpenAI resolves 1 for ~100 examples; the cap keeps a CPU step affordable.
   *   <li>{@code learning_rate_multiplier}: {@link #autoLearningRateMultiplier}.
   * </ul>
   */
  public static Hyperparameters resolve(
      Integer epochs,
      Integer batchSize,
      Double learningRateMultiplier,
      long examples,
      long blockWeights,
      boolean lora) {
    int e = epochs != null ? epochs : TrainingEstimate.autoEpochs(examples);
    int b = batchSize != null ? batchSize : autoBatchSize(examples);
    double lr =
        learningRateMultiplier != null
            ? learningRateMultiplier
            : autoLearningRateMultiplier(blockWeights, lora);
    return new Hyperparameters(e, b, lr);
  }

  /** The weights in {@code shape}'s transformer blocks (the projections LoRA adapts). */
  public static long blockWeights(ModelConfig shape) {
    return (long) shape.layers() * shape.projectionWeights();
  }

  /**
   * Block weights from which LoRA's base rate (2e-4, the recipes' value for models of tens of
   * millions of weights and more) is used as it is: 10 million.
   */
  public static final long REFERENCE_BLOCK_WEIGHTS = 10_000_000L;

  /** The largest {@code auto} multiplier: the highest that measured safe on the small models. */
  public static final double MAX_AUTO_MULTIPLIER = 10.0;

  /**
   * The {@code auto} learning-rate multiplier: for LoRA, {@code clamp(10M / blockWeights, 1, 10)},
   * so a small model gets a proportionally higher rate; for full fine-tuning, 1.
   *
   * <p>Evidence (TinyStories-656K, 393,216 block weights, LoRA r=16; BENCHMARKS.md "auto
   * hyperparameters"): on the ten limericks (10 epochs, batch 1) the validation loss fell 5% with
   * ×1, 31% with ×10 (best checkpoint at epoch 5, no overfitting collapse) and 33% with ×30 (best
   * at epoch 2, then over-fitting to 4.56 by the end); on a 2,000-example format task ×1 followed
   * the format on 6 of 8 held-out prompts and ×5–10 on nearly all. ×10 is the highest multiplier
   * that helped without over-shooting, hence the cap. Models of 10M block weights and more keep the
   * recipes' rate: Lathe has no measurement saying otherwise there. Full fine-tuning keeps 1 (its
   * base 2e-5 was not measured to under-train). OpenAI's own {@code auto} multiplier (observed 1.8)
   * is on an unpublished base rate, so it cannot be copied.
   */
  public static double autoLearningRateMultiplier(long blockWeights, boolean lora) {
    if (!lora || blockWeights <= 0) {
      return 1.0;
    }
    double m = (double) REFERENCE_BLOCK_WEIGHTS / blockWeights;
    return Math.max(1.0, Math.min(MAX_AUTO_MULTIPLIER, m));
  }

  /**
   * One line saying which values were {@code auto} and what they resolved to and why, or null when
   * the caller gave all three (e.g. {@code auto: n_epochs=10 (cookbook: 10 examples), ...}).
   */
  public String autoReport(
      Integer givenEpochs,
      Integer givenBatchSize,
      Double givenMultiplier,
      long examples,
      long blockWeights,
      boolean lora,
      double baseLearningRate) {
    StringBuilder out = new StringBuilder();
    if (givenEpochs == null) {
      out.append("n_epochs=").append(epochs).append(" (cookbook rule for ").append(examples);
      out.append(" examples)");
    }
    if (givenBatchSize == null) {
      out.append(out.isEmpty() ? "" : ", ").append("batch_size=").append(batchSize);
      out.append(" (about 1 per 100 examples, 1..32)");
    }
    if (givenMultiplier == null) {
      out.append(out.isEmpty() ? "" : ", ").append("learning_rate_multiplier=");
      out.append(learningRateMultiplier).append(" (learning rate ");
      out.append(baseLearningRate * learningRateMultiplier);
      out.append(
          lora
              ? ": LoRA on " + blockWeights + " block weights, clamp(10M / weights, 1, 10))"
              : ": full fine-tuning keeps the base rate)");
    }
    return out.isEmpty() ? null : "auto: " + out;
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
