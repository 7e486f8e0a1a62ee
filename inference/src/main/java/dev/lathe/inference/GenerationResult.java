package dev.lathe.inference;

import java.util.List;

/**
 * The outcome of one generation.
 *
 * @param text the released text: the concatenation of every delta the listener received
 * @param tokens every sampled token id, including a terminating stop token id
 * @param finishReason why it ended
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens sampled ({@code tokens.length})
 * @param logprobs one entry per sampled token when requested, else empty
 */
public record GenerationResult(
    String text,
    int[] tokens,
    FinishReason finishReason,
    int promptTokens,
    int completionTokens,
    List<TokenLogprob> logprobs) {

  public GenerationResult {
    tokens = tokens.clone();
    logprobs = List.copyOf(logprobs);
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  /** {@code promptTokens + completionTokens}, as OpenAI's {@code usage.total_tokens}. */
  public int totalTokens() {
    return promptTokens + completionTokens;
  }
}
