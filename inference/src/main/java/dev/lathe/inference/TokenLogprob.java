package dev.lathe.inference;

import java.util.List;

/**
 * The log-probability of one generated token and of the most likely alternatives at its position,
 * under the model's unmodified distribution (see {@link Sampler}).
 *
 * @param token the generated token id
 * @param logprob its natural-log probability
 * @param top the {@code top_logprobs} most likely tokens, most likely first
 */
public record TokenLogprob(int token, float logprob, List<Alternative> top) {

  public TokenLogprob {
    top = List.copyOf(top);
  }

  /** One of the most likely tokens at a position. */
  public record Alternative(int token, float logprob) {}
}
