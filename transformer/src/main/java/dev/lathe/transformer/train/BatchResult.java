package dev.lathe.transformer.train;

/**
 * What one forward (and possibly backward) pass over a {@link TokenBatch} measured.
 *
 * @param segmentLogProb per example: Σ log p(target) over its trained positions (double sums)
 * @param segmentTokens per example: number of trained positions
 * @param segmentCorrect per example: trained positions whose argmax equals the target
 */
public record BatchResult(double[] segmentLogProb, long[] segmentTokens, long[] segmentCorrect) {

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
