package dev.lathe.finetune;

/**
 * The metrics of one optimizer step, the row of OpenAI's result file plus what a progress line
 * needs.
 *
 * @param step 1-based optimizer step
 * @param totalSteps steps of the whole run
 * @param epoch 0-based epoch the step belongs to
 * @param trainLoss mean cross-entropy over the step's trained tokens (DPO: mean pair loss)
 * @param trainAccuracy fraction of the step's trained tokens predicted right (argmax)
 * @param validLoss mean cross-entropy on the validation sample, or NaN when not evaluated
 * @param validAccuracy token accuracy on the validation sample, or NaN when not evaluated
 * @param learningRate the rate used by this step
 * @param gradNorm global gradient norm before clipping
 * @param trainedTokens tokens the loss was taken on in this step
 * @param tokens all tokens processed in this step (context included)
 * @param rewards DPO: the step's preference metrics; null for supervised steps
 * @param validRewards DPO: the preference metrics on the validation sample; null when not evaluated
 *     or supervised
 */
public record StepMetrics(
    int step,
    int totalSteps,
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double validLoss,
    double validAccuracy,
    double learningRate,
    double gradNorm,
    long trainedTokens,
    long tokens,
    PreferenceRewards rewards,
    PreferenceRewards validRewards) {

  /** A supervised step: no preference metrics. */
  public StepMetrics(
      int step,
      int totalSteps,
      int epoch,
      double trainLoss,
      double trainAccuracy,
      double validLoss,
      double validAccuracy,
      double learningRate,
      double gradNorm,
      long trainedTokens,
      long tokens) {
    this(
        step,
        totalSteps,
        epoch,
        trainLoss,
        trainAccuracy,
        validLoss,
        validAccuracy,
        learningRate,
        gradNorm,
        trainedTokens,
        tokens,
        null,
        null);
  }

  /** Whether validation was computed at this step. */
  public boolean validated() {
    return !Double.isNaN(validLoss);
  }
}
