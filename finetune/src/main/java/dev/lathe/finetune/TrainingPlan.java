package dev.lathe.finetune;

import java.util.List;

/**
 * What a run is about to do, known once the files are loaded and {@code auto} hyperparameters are
 * resolved; the HTTP service shows it on the job (resolved hyperparameters, billable tokens).
 *
 * @param hyperparameters the resolved epochs, batch size and learning-rate multiplier
 * @param examples usable training examples
 * @param trainedTokensPerEpoch tokens the loss is taken on in one pass over the training file
 * @param loraRank adapter rank, 0 for full fine-tuning
 */
public record TrainingPlan(
    Hyperparameters hyperparameters, int examples, long trainedTokensPerEpoch, int loraRank) {

  /** Validates. */
  public TrainingPlan {
    if (hyperparameters == null || examples < 1 || trainedTokensPerEpoch < 0 || loraRank < 0) {
      throw new IllegalArgumentException(
          "a plan needs hyperparameters, at least one example and non-negative token and rank"
              + " counts");
    }
  }

  /** The plan of a run over {@code examples} with {@code h}. */
  public static TrainingPlan of(Hyperparameters h, List<TrainingExample> examples, int loraRank) {
    long tokens = 0;
    for (TrainingExample e : examples) {
      tokens += e.trainedTokens();
    }
    return new TrainingPlan(h, examples.size(), tokens, loraRank);
  }

  /** Optimizer steps of the whole run. */
  public int totalSteps() {
    return hyperparameters.totalSteps(examples);
  }

  /** Optimizer steps per epoch. */
  public int stepsPerEpoch() {
    return hyperparameters.stepsPerEpoch(examples);
  }

  /** Whether the checkpoint after {@code step} is an epoch's end (the last step included). */
  public boolean isEpochEnd(int step) {
    return step > 0 && (step % stepsPerEpoch() == 0 || step == totalSteps());
  }

  /** The peak learning rate: the method's base rate (LoRA or full) × the multiplier. */
  public double peakLearningRate() {
    double base =
        loraRank > 0
            ? TrainingConfig.LORA_BASE_LEARNING_RATE
            : TrainingConfig.FULL_BASE_LEARNING_RATE;
    return base * hyperparameters.learningRateMultiplier();
  }

  /** Billable tokens of the run, OpenAI's {@code trained_tokens}: tokens per epoch × epochs. */
  public long trainedTokens() {
    return trainedTokensPerEpoch * hyperparameters.epochs();
  }
}
