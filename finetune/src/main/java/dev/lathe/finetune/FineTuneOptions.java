package dev.lathe.finetune;

/**
 * How a {@link FineTuneJob} trains, with a named default for every setting so that a caller states
 * only what it changes ({@code FineTuneOptions.defaults().withEpochs(3).withSeed(7)}). The
 * hyperparameters OpenAI's API names ({@code n_epochs}, {@code batch_size}, {@code
 * learning_rate_multiplier}) are null for {@code auto}: {@link Hyperparameters#resolve} picks them
 * from the training set's size.
 *
 * @param epochs n_epochs, or null for auto
 * @param batchSize batch_size, or null for auto
 * @param learningRateMultiplier learning_rate_multiplier, or null for auto
 * @param loraRank adapter rank (alpha = 2·rank, every linear layer); 0 for full fine-tuning
 * @param seed the job seed: shuffling, adapter initialisation, dropout
 * @param contextLength examples are cut to this many tokens; 0 for the model's context
 * @param microBatchTokens positions per forward/backward pass (memory bound); at least the context
 * @param packed pack several examples per row (true) or one padded example per row
 * @param evalEvery validation-sample evaluation every this many steps
 * @param resume continue from the newest checkpoint in the output directory when there is one
 * @param earlyStoppingPatience with a validation file, stop after this many epochs in a row without
 *     a lower whole-validation loss; 0 never stops early. Either way, with a validation file the
 *     run ends with the best epoch-end checkpoint's weights ({@link BestCheckpoint})
 */
public record FineTuneOptions(
    Integer epochs,
    Integer batchSize,
    Double learningRateMultiplier,
    int loraRank,
    long seed,
    int contextLength,
    int microBatchTokens,
    boolean packed,
    int evalEvery,
    boolean resume,
    int earlyStoppingPatience) {

  /** LoRA rank unless a caller chooses another (or 0 for full fine-tuning). */
  public static final int DEFAULT_LORA_RANK = 16;

  /** Positions per forward/backward pass unless a caller chooses another. */
  public static final int DEFAULT_MICRO_BATCH_TOKENS = 2048;

  /** Steps between evaluations on the validation sample (OpenAI reports every 10th step). */
  public static final int DEFAULT_EVAL_EVERY = 10;

  /**
   * Early stopping is off unless asked for: a run trains the epochs it was given, as OpenAI's does
   * (it still ends with the best checkpoint when there is a validation file).
   */
  public static final int DEFAULT_EARLY_STOPPING_PATIENCE = 0;

  /** Validates. */
  public FineTuneOptions {
    if (earlyStoppingPatience < 0) {
      throw new IllegalArgumentException(
          "earlyStoppingPatience must be >= 0 (0: off), got " + earlyStoppingPatience);
    }
    if (loraRank < 0 || contextLength < 0 || microBatchTokens < 1 || evalEvery < 1) {
      throw new IllegalArgumentException(
          "loraRank and contextLength must be >= 0, microBatchTokens and evalEvery >= 1");
    }
  }

  /**
   * Auto hyperparameters, LoRA rank {@value #DEFAULT_LORA_RANK}, seed 0, the model's context,
   * {@value #DEFAULT_MICRO_BATCH_TOKENS} packed positions per pass, evaluation every {@value
   * #DEFAULT_EVAL_EVERY} steps, no resume, no early stopping.
   */
  public static FineTuneOptions defaults() {
    return new FineTuneOptions(
        null,
        null,
        null,
        DEFAULT_LORA_RANK,
        0,
        0,
        DEFAULT_MICRO_BATCH_TOKENS,
        true,
        DEFAULT_EVAL_EVERY,
        false,
        DEFAULT_EARLY_STOPPING_PATIENCE);
  }

  /** With n_epochs {@code value} (null for auto). */
  public FineTuneOptions withEpochs(Integer value) {
    return new FineTuneOptions(
        value,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With batch_size {@code value} (null for auto). */
  public FineTuneOptions withBatchSize(Integer value) {
    return new FineTuneOptions(
        epochs,
        value,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With learning_rate_multiplier {@code value} (null for auto). */
  public FineTuneOptions withLearningRateMultiplier(Double value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        value,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With LoRA rank {@code value}; 0 trains every weight. */
  public FineTuneOptions withLoraRank(int value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        value,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With the job seed {@code value}. */
  public FineTuneOptions withSeed(long value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        value,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With examples cut to {@code value} tokens (0 for the model's context). */
  public FineTuneOptions withContextLength(int value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        value,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With {@code value} positions per forward/backward pass. */
  public FineTuneOptions withMicroBatchTokens(int value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        value,
        packed,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** Packing several examples per row (true) or one padded example per row (false). */
  public FineTuneOptions withPacked(boolean value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        value,
        evalEvery,
        resume,
        earlyStoppingPatience);
  }

  /** With an evaluation every {@code value} steps. */
  public FineTuneOptions withEvalEvery(int value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        value,
        resume,
        earlyStoppingPatience);
  }

  /** Resuming from the newest checkpoint (true) or starting afresh (false). */
  public FineTuneOptions withResume(boolean value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        value,
        earlyStoppingPatience);
  }

  /** Stopping after {@code value} epochs without improvement of validation loss (0: never). */
  public FineTuneOptions withEarlyStoppingPatience(int value) {
    return new FineTuneOptions(
        epochs,
        batchSize,
        learningRateMultiplier,
        loraRank,
        seed,
        contextLength,
        microBatchTokens,
        packed,
        evalEvery,
        resume,
        value);
  }
}
