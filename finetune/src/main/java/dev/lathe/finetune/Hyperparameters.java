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
   * Block weights from which the methods' base rates (LoRA 2e-4, full 2e-5: the recipes' values for
   * models of tens of millions of weights and more) are used as they are: 10 million.
   */
  public static final long REFERENCE_BLOCK_WEIGHTS = 10_000_000L;

  /** The largest LoRA {@code auto} multiplier: the highest that measured safe on small models. */
  public static final double MAX_AUTO_MULTIPLIER = 10.0;

  /** The largest full fine-tuning {@code auto} multiplier (peak 5e-4), measured likewise. */
  public static final double MAX_AUTO_MULTIPLIER_FULL = 25.0;

  /**
   * The {@code auto} learning-rate multiplier: {@code clamp(10M / blockWeights, 1, cap)}, so a
   * small model gets a proportionally higher rate; the cap is 10 for LoRA (peak 2e-3) and 25 for
   * full fine-tuning (peak 5e-4).
   *
   * <p>Evidence (BENCHMARKS.md "auto hyperparameters" and "auto against a grid"). LoRA,
   * TinyStories-656K (393,216 block weights, r=16): on the ten limericks (10 epochs, batch 1) the
   * validation loss fell 5% with ×1, 31% with ×10 (best checkpoint at epoch 5) and 33% with ×30
   * (best at epoch 2, then over-fitting to 4.56 by the end); ×10 reaches 99–100% of a grid's best
   * on the format, style, label and weight-0 tasks. Full fine-tuning: a GPT-2 (2 layers, width 128)
   * from a random start learns the format task at ×25 and ×250 and not at all at ×1; stories260K
   * learns the JSON task perfectly at ×25, less well at ×250 (0.875). Models of 10M block weights
   * and more keep the recipes' rates: Lathe has no measurement saying otherwise there. OpenAI's own
   * {@code auto} multiplier (observed 1.8) is on an unpublished base rate, so it cannot be copied.
   */
  public static double autoLearningRateMultiplier(long blockWeights, boolean lora) {
    if (blockWeights <= 0) {
      return 1.0;
    }
    double m = (double) REFERENCE_BLOCK_WEIGHTS / blockWeights;
    return Math.max(1.0, Math.min(maxAutoMultiplier(lora), m));
  }

  /** The cap of the {@code auto} multiplier for LoRA or full fine-tuning. */
  private static double maxAutoMultiplier(boolean lora) {
    return lora ? MAX_AUTO_MULTIPLIER : MAX_AUTO_MULTIPLIER_FULL;
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
      out.append(lora ? ": LoRA on " : ": full fine-tuning on ").append(blockWeights);
      out.append(" block weights, clamp(10M / weights, 1, ");
      out.append((long) maxAutoMultiplier(lora)).append("))");
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
