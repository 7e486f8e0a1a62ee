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
 */
public record TokenBatch(
    int rows,
    int seqLen,
    int[] tokens,
    int[] targets,
    int[] positions,
    int[] segments,
    int segmentCount) {
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
  }
}
