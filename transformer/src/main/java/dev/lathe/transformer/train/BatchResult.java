package dev.lathe.transformer.train;

/**
 * What one forward (and possibly backward) pass over a {@link TokenBatch} measured.
 *
 * @param segmentLogProb per example: Σ log p(target) over its trained positions (double sums)
 * @param segmentTokens per example: number of trained positions
 * @param segmentCorrect per example: trained positions whose argmax equals the target
 * @param segmentWeightedLogProb per example: Σ w · log p(target) over its trained positions, w the
 *     position's {@link TokenBatch#weights() weight} (equal to {@code segmentLogProb} without
 *     weights)
 */
public record BatchResult(
    double[] segmentLogProb,
    long[] segmentTokens,
    long[] segmentCorrect,
    double[] segmentWeightedLogProb) {

  /** A result of a batch without weights: the weighted sums are the plain ones. */
  public BatchResult(double[] segmentLogProb, long[] segmentTokens, long[] segmentCorrect) {
    this(segmentLogProb, segmentTokens, segmentCorrect, segmentLogProb);
  }

  /** Σ over examples of −Σ w · log p: the summed weighted cross-entropy of the batch. */
  public double weightedLossSum() {
    double s = 0;
    for (double v : segmentWeightedLogProb) {
      s -= v;
    }
    return s;
  }

  /** Σ over examples of −Σ log p: the summed cross-entropy of the batch. */
  public double lossSum() {
    double s = 0;
    for (double v : segmentLogProb) {
      s -= v;
    }
    return s;
  }

  /** Trained positions in the batch. */
  public long trainedTokens() {
    long s = 0;
    for (long v : segmentTokens) {
      s += v;
    }
    return s;
  }

  /** Trained positions predicted right (argmax) in the batch. */
  public long correctTokens() {
    long s = 0;
    for (long v : segmentCorrect) {
      s += v;
    }
    return s;
  }
}
