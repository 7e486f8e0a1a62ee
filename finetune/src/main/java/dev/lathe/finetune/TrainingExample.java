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
 * @param weights the loss weight of each position's target, length T, each in (0, 1] where there is
 *     a target (a message's {@code weight} times the example's); null for 1 everywhere
 */
public record TrainingExample(
    long line, int[] tokens, int[] targets, boolean truncated, float[] weights) {

  /** An example whose every target has weight 1. */
  public TrainingExample(long line, int[] tokens, int[] targets, boolean truncated) {
    this(line, tokens, targets, truncated, null);
  }

  /** Validates. */
  public TrainingExample {
    if (weights != null && weights.length != targets.length) {
      throw new IllegalArgumentException(
          "line " + line + ": " + targets.length + " targets but " + weights.length + " weights");
    }
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
    float[] weight = new float[ids.length];
    for (int t = 0; t < ids.length; t++) {
      weight[t] = trained[t] ? 1f : 0f;
    }
    return of(line, ids, weight, contextLength);
  }

  /**
   * As {@link #of(long, int[], boolean[], int)} with a loss weight per id: ids of weight above 0
   * are trained, with that weight (the example has no weights when every trained one is 1).
   */
  public static TrainingExample of(long line, int[] ids, float[] weight, int contextLength) {
    if (ids.length < 2) {
      throw new IllegalArgumentException(
          "line " + line + ": a training sequence needs at least 2 tokens, got " + ids.length);
    }
    int n = Math.min(ids.length - 1, contextLength);
    int[] tokens = new int[n];
    int[] targets = new int[n];
    float[] weights = new float[n];
    boolean weighted = false;
    for (int t = 0; t < n; t++) {
      tokens[t] = ids[t];
      boolean trained = weight[t + 1] > 0f;
      targets[t] = trained ? ids[t + 1] : -1;
      weights[t] = trained ? weight[t + 1] : 0f;
      weighted |= trained && weight[t + 1] != 1f;
    }
    return new TrainingExample(
        line, tokens, targets, ids.length - 1 > contextLength, weighted ? weights : null);
  }
}
