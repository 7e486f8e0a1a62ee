package dev.lathe.inference;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What to generate after a prompt.
 *
 * @param sampling how each token is chosen
 * @param maxTokens most tokens to generate ({@link #UNLIMITED}: until a stop or the context is
 *     full)
 * @param stop stop strings, matched on the decoded text; the first one to appear ends the
 *     generation and is not part of it
 * @param stopTokenIds token ids that end the generation when sampled (typically the tokenizer's
 *     end-of-sequence and end-of-turn tokens); their text is not part of the result
 * @param logprobs whether to report each token's log-probability (and {@code
 *     sampling.topLogprobs()} alternatives)
 * @param constraint which tokens may be chosen at each step (e.g. JSON for structured outputs);
 *     empty: any token
 */
public record GenerationRequest(
    SamplingParams sampling,
    int maxTokens,
    List<String> stop,
    Set<Integer> stopTokenIds,
    boolean logprobs,
    Optional<TokenConstraint> constraint) {

  /** No limit but the model's context. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  public GenerationRequest {
    if (sampling == null) {
      throw new IllegalArgumentException("sampling must not be null (use SamplingParams.DEFAULTS)");
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException(
          "max_tokens is " + maxTokens + "; it must be at least 1 (or UNLIMITED)");
    }
    stop = List.copyOf(stop);
    for (int i = 0; i < stop.size(); i++) {
      if (stop.get(i).isEmpty()) {
        throw new IllegalArgumentException("stop[" + i + "] is empty; stop strings must have text");
      }
    }
    stopTokenIds = Set.copyOf(stopTokenIds);
    if (sampling.topLogprobs() > 0 && !logprobs) {
      throw new IllegalArgumentException(
          "top_logprobs is " + sampling.topLogprobs() + " but logprobs is false; set logprobs");
    }
    if (constraint == null) {
      throw new IllegalArgumentException("constraint must not be null (use Optional.empty())");
    }
  }

  /** A request without a constraint. */
  public GenerationRequest(
      SamplingParams sampling,
      int maxTokens,
      List<String> stop,
      Set<Integer> stopTokenIds,
      boolean logprobs) {
    this(sampling, maxTokens, stop, stopTokenIds, logprobs, Optional.empty());
  }

  /**
   * Sampling with {@code sampling}, no limit, no stops; logprobs only if {@code
   * sampling.topLogprobs()} asks for alternatives.
   */
  public static GenerationRequest of(SamplingParams sampling) {
    return new GenerationRequest(
        sampling, UNLIMITED, List.of(), Set.of(), sampling.topLogprobs() > 0);
  }

  public GenerationRequest withMaxTokens(int value) {
    return new GenerationRequest(sampling, value, stop, stopTokenIds, logprobs, constraint);
  }

  public GenerationRequest withStop(List<String> value) {
    return new GenerationRequest(sampling, maxTokens, value, stopTokenIds, logprobs, constraint);
  }

  public GenerationRequest withStopTokenIds(Set<Integer> value) {
    return new GenerationRequest(sampling, maxTokens, stop, value, logprobs, constraint);
  }

  public GenerationRequest withLogprobs(boolean value) {
    return new GenerationRequest(sampling, maxTokens, stop, stopTokenIds, value, constraint);
  }

  /** This request with {@code value} restricting every generated token. */
  public GenerationRequest withConstraint(TokenConstraint value) {
    return new GenerationRequest(
        sampling, maxTokens, stop, stopTokenIds, logprobs, Optional.of(value));
  }
}
