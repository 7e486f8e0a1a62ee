package dev.lathe.dataset;

/**
 * The token counts of one training example, as {@link TokenCounter} computes them.
 *
 * @param messages number of messages (0 for the prompt/completion format, which has none)
 * @param tokens tokens of the whole example (the cookbook's {@code num_tokens_from_messages})
 * @param assistantTokens tokens of every assistant message's content and tool calls
 * @param trainedTokens the assistant tokens of messages with weight 1 (the default): the tokens the
 *     loss is computed on
 * @param hasSystem whether a message has role {@code system}
 * @param hasUser whether a message has role {@code user}
 * @param hasMessages whether the format has messages at all (false for prompt/completion)
 */
public record ExampleTokenCount(
    int messages,
    long tokens,
    long assistantTokens,
    long trainedTokens,
    boolean hasSystem,
    boolean hasUser,
    boolean hasMessages) {

  /** Validates the counts. */
  public ExampleTokenCount {
    if (messages < 0 || tokens < 0 || assistantTokens < 0 || trainedTokens < 0) {
      throw new IllegalArgumentException("counts must be >= 0");
    }
    if (trainedTokens > assistantTokens) {
      throw new IllegalArgumentException(
          "trained tokens " + trainedTokens + " > assistant tokens " + assistantTokens);
    }
  }
}
