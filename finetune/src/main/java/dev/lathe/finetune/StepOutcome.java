package dev.lathe.finetune;

/**
 * What an {@link Objective} measured over a set of examples.
 *
 * @param lossSum summed loss (SFT: Σ cross-entropy over trained tokens; DPO: Σ pair losses)
 * @param lossCount what the loss is averaged over (SFT: trained tokens; DPO: pairs)
 * @param correct trained tokens predicted right (DPO: of the preferred answers)
 * @param trainedTokens tokens the loss was taken on (DPO: of the preferred answers; the token
 *     accuracy is taken over these)
 * @param tokens all tokens processed
 * @param chosenRewardSum DPO: Σ over pairs of the chosen answer's implicit reward; 0 for SFT
 * @param rejectedRewardSum DPO: Σ over pairs of the rejected answer's implicit reward; 0 for SFT
 * @param accuratePairs DPO: pairs whose chosen reward exceeds the rejected one; 0 for SFT
 * @param pairs DPO: preference pairs measured; 0 for SFT
 */
public record StepOutcome(
    double lossSum,
    long lossCount,
    long correct,
    long trainedTokens,
    long tokens,
    double chosenRewardSum,
    double rejectedRewardSum,
    long accuratePairs,
    long pairs) {

  /** A supervised outcome: no preference pairs. */
  public StepOutcome(
      double lossSum, long lossCount, long correct, long trainedTokens, long tokens) {
    this(lossSum, lossCount, correct, trainedTokens, tokens, 0, 0, 0, 0);
  }

  /** Mean loss, NaN when nothing was counted. */
  public double loss() {
    return lossCount == 0 ? Double.NaN : lossSum / lossCount;
  }

  /** Token accuracy, NaN when nothing was trained. */
  public double accuracy() {
    return trainedTokens == 0 ? Double.NaN : (double) correct / trainedTokens;
  }

  /** The preference metrics (means over pairs), or null when no pair was measured. */
  public PreferenceRewards rewards() {
    if (pairs == 0) {
      return null;
    }
    return new PreferenceRewards(
        chosenRewardSum / pairs,
        rejectedRewardSum / pairs,
        (double) accuratePairs / pairs,
        (chosenRewardSum - rejectedRewardSum) / pairs);
  }

  /** The sum of this and {@code o}. */
  public StepOutcome plus(StepOutcome o) {
    return new StepOutcome(
        lossSum + o.lossSum,
        lossCount + o.lossCount,
        correct + o.correct,
        trainedTokens + o.trainedTokens,
        tokens + o.tokens,
        chosenRewardSum + o.chosenRewardSum,
        rejectedRewardSum + o.rejectedRewardSum,
        accuratePairs + o.accuratePairs,
        pairs + o.pairs);
  }

  /** Nothing measured. */
  public static final StepOutcome ZERO = new StepOutcome(0, 0, 0, 0, 0);
}
