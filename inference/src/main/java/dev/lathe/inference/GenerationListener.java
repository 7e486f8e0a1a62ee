package dev.lathe.inference;

import java.util.function.Consumer;

/**
 * Receives a generation as it happens. Text arrives in deltas that never split a character and
 * never contain (part of) a stop string; tokens arrive as they are sampled, with their
 * log-probabilities when requested.
 */
public interface GenerationListener {

  /** Called once per sampled token; {@code logprob} is null unless logprobs were requested. */
  default void onToken(int token, TokenLogprob logprob) {}

  /** Called with each piece of text released to the caller (never empty). */
  default void onText(String delta) {}

  /** A listener that ignores everything. */
  GenerationListener NONE = new GenerationListener() {};

  /** A listener that only forwards text deltas to {@code sink}. */
  static GenerationListener text(Consumer<String> sink) {
    return new GenerationListener() {
      @Override
      public void onText(String delta) {
        sink.accept(delta);
      }
    };
  }
}
