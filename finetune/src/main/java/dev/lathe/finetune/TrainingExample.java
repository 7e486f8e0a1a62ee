package dev.lathe.finetune;

/**
 * One rendered training example: the inputs of a causal language model and the id to predict at
 * each position ({@code -1} where no loss is taken). {@code targets[t]} is {@code tokens[t+1]} of
 * the full rendered sequence when that token is trained.
 *
 * @param line 1-based line of the example in its file (0 when it came from elsewhere)
 * @param tokens input ids, length T
 * @param targets the target per position, length T, {@code -1} where masked
 * @param truncated whether tokens were cut from the end to fit the context
 */
public record TrainingExample(long line, int[] tokens, int[] targets, boolean truncated) {

  /** Validates. */
  public TrainingExample {
    if (tokens.length != targets.length) {
      throw new IllegalArgumentException(
          "line " + line + ": " + tokens.length + " tokens but " + targets.length + " targets");
    }
    if (tokens.length == 0) {
      throw new IllegalArgumentException("line " + line + ": an example needs at least 1 token");
    }
  }

  /** Length T. */
  public int length() {
    return tokens.length;
  }

  /** Positions with a target: the tokens the loss is taken on. */
  public int trainedTokens() {
    int n = 0;
    for (int t : targets) {
      if (t >= 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * The inputs and targets of a full sequence {@code ids} whose tokens {@code trained} marks: input
   * {@code ids[0..n-1)}, target {@code ids[t+1]} where {@code trained[t+1]}. Sequences longer than
   * {@code contextLength + 1} ids are cut from the end.
   */
  public static TrainingExample of(long line, int[] ids, boolean[] trained, int contextLength) {
    if (ids.length < 2) {
      throw new IllegalArgumentException(
          "line " + line + ": a training sequence needs at least 2 tokens, got " + ids.length);
    }
    int n = Math.min(ids.length - 1, contextLength);
    int[] tokens = new int[n];
    int[] targets = new int[n];
    for (int t = 0; t < n; t++) {
      tokens[t] = ids[t];
      targets[t] = trained[t + 1] ? ids[t + 1] : -1;
    }
    return new TrainingExample(line, tokens, targets, ids.length - 1 > contextLength);
  }
}
