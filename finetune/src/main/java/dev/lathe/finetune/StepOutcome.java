package dev.lathe.finetune;

/**
 * What an {@link Objective} measured over a set of examples.
 *
 * @param lossSum summed loss (for SFT: Σ cross-entropy over trained tokens)
 * @param lossCount what the loss is averaged over (for SFT: trained tokens)
 * @param correct trained tokens predicted right
 * @param trainedTokens tokens the loss was taken on
 * @param tokens all tokens processed
 */
public record StepOutcome(
    double lossSum, long lossCount, long correct, long trainedTokens, long tokens) {

  /** Mean loss, NaN when nothing was counted. */
  public double loss() {
    return lossCount == 0 ? Double.NaN : lossSum / lossCount;
  }

  /** Token accuracy, NaN when nothing was trained. */
  public double accuracy() {
    return trainedTokens == 0 ? Double.NaN : (double) correct / trainedTokens;
  }

  /** The sum of this and {@code o}. */
  public StepOutcome plus(StepOutcome o) {
    return new StepOutcome(
        lossSum + o.lossSum,
        lossCount + o.lossCount,
        correct + o.correct,
        trainedTokens + o.trainedTokens,
        tokens + o.tokens);
  }

  /** Nothing measured. */
  public static final StepOutcome ZERO = new StepOutcome(0, 0, 0, 0, 0);
}
