package dev.lathe.transformer.train;

/**
 * One micro-batch of training sequences: {@code rows} rows of {@code seqLen} positions. A row holds
 * one example (padded) or several examples packed one after another; attention never crosses from
 * one example (segment) into another.
 *
 * @param rows number of rows (B)
 * @param seqLen positions per row (T)
 * @param tokens input ids, (B, T); any valid id at padding positions
 * @param targets the id to predict at each position, (B, T); {@code -1} where no loss is taken
 *     (prompt, system and user text, weight-0 assistant messages, padding)
 * @param positions position ids, (B, T); restart at 0 at the start of each packed example
 * @param segments example index of each position, (B, T), numbered 0..segmentCount-1 across the
 *     whole batch; {@code -1} for padding. Attention is causal and within one segment only.
 * @param segmentCount number of examples in the batch
 * @param weights the loss weight of each position, (B, T), each in [0, 1]: the position's
 *     cross-entropy (and its gradient) is multiplied by it; null for 1 everywhere (the weight of a
 *     position without a target is never read)
 */
public record TokenBatch(
    int rows,
    int seqLen,
    int[] tokens,
    int[] targets,
    int[] positions,
    int[] segments,
    int segmentCount,
    float[] weights) {

  public TokenBatch {
    int n = rows * seqLen;
    if (rows <= 0 || seqLen <= 0) {
      throw new IllegalArgumentException("rows and seqLen must be positive");
    }
    if (tokens.length != n
        || targets.length != n
        || positions.length != n
        || segments.length != n) {
      throw new IllegalArgumentException(
          "tokens, targets, positions and segments need rows*seqLen=" + n);
    }
    if (weights != null) {
      if (weights.length != n) {
        throw new IllegalArgumentException(
            "weights has " + weights.length + " entries but the batch has rows*seqLen=" + n);
      }
      for (int i = 0; i < n; i++) {
        if (!(weights[i] >= 0f && weights[i] <= 1f)) {
          throw new IllegalArgumentException(
              "weight "
                  + weights[i]
                  + " at row "
                  + i / seqLen
                  + ", position "
                  + i % seqLen
                  + " must be in [0, 1]");
        }
      }
    }
  }

  /** This batch with loss weights {@code w} ((B, T), or null for 1 everywhere). */
  public TokenBatch withWeights(float[] w) {
    return new TokenBatch(rows, seqLen, tokens, targets, positions, segments, segmentCount, w);
  }

  /** The loss weight of position {@code i}: 1 without weights. */
  public float weight(int i) {
    return weights == null ? 1f : weights[i];
  }
}
