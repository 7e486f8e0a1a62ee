package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.LanguageModel;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Generates text from a prompt: one forward pass over the whole prompt (prefill), then one per
 * token (decode), keys and values kept in the model's {@link KvCache}.
 *
 * <p>It stops at the first of: a stop token id sampled, a stop string in the text, {@code
 * max_tokens} sampled, the context full, or cancellation. Text reaches the listener as it becomes
 * final (see {@link IncrementalDecoder} and {@link StopMatcher}).
 *
 * <p>A request's {@link TokenConstraint} masks the logits before each choice and follows each
 * chosen token; once it reports the output finished, generation stops ({@link FinishReason#STOP}).
 * It knows the {@linkplain #tokenBudget token budget}, so it can close its output in time. Reported
 * log-probabilities are then those of the masked distribution.
 *
 * <p>When the model's vocabulary is larger than the tokenizer's (embedding tables padded to a
 * multiple of 64 or 128, as Qwen2 does), the ids past the tokenizer's end are never chosen.
 *
 * <p>Randomness comes from the request's seed through {@code randomFactory} (by default the {@code
 * L64X128MixRandom} algorithm, whose output is specified and so stable across JDKs); when a request
 * has no seed, one is taken from the injected {@code seedSource}.
 */
public final class Generator {
  private final LanguageModel model;
  private final TextTokenizer tokenizer;
  private final LongSupplier seedSource;
  private final LongFunction<RandomGenerator> randomFactory;

  /** A generator drawing seeds for unseeded requests from {@code seedSource}. */
  public Generator(LanguageModel model, TextTokenizer tokenizer, LongSupplier seedSource) {
    this(model, tokenizer, seedSource, Generator::seededRandom);
  }

  public Generator(
      LanguageModel model,
      TextTokenizer tokenizer,
      LongSupplier seedSource,
      LongFunction<RandomGenerator> randomFactory) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.seedSource = seedSource;
    this.randomFactory = randomFactory;
  }

  /** The default source of randomness for a seed. */
  public static RandomGenerator seededRandom(long seed) {
    return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
  }

  /** Generates without streaming or cancellation. */
  public GenerationResult generate(int[] prompt, GenerationRequest request) {
    return generate(prompt, request, GenerationListener.NONE, () -> false);
  }

  /**
   * Generates a continuation of {@code prompt} (token ids, including any BOS the model expects).
   * {@code cancelled} is polled before every forward pass; once it returns true the generation ends
   * with {@link FinishReason#CANCELLED} and what was released so far.
   */
  public GenerationResult generate(
      int[] prompt,
      GenerationRequest request,
      GenerationListener listener,
      BooleanSupplier cancelled) {
    Generation g = start(prompt, request, listener);
    if (cancelled.getAsBoolean()) {
      g.cancel();
      return g.result();
    }
    model.forward(prompt, 0, prompt.length, g.cache(), g.logits()); // prefill
    int[] single = new int[1];
    while (g.choose(cancelled)) {
      single[0] = g.lastToken();
      model.forward(single, 0, 1, g.cache(), g.logits()); // decode
    }
    return g.result();
  }

  /**
   * A generation of this generator's model after {@code prompt} (checked here), seeded from the
   * request or the seed source, before its prefill.
   */
  Generation start(int[] prompt, GenerationRequest request, GenerationListener listener) {
    checkPrompt(prompt, model.vocabularySize());
    long seed = request.sampling().seed().orElseGet(seedSource);
    return new Generation(model, tokenizer, prompt, request, randomFactory.apply(seed), listener);
  }

  /** The model this generator runs. */
  LanguageModel model() {
    return model;
  }

  /**
   * The most tokens a generation may produce after a prompt of {@code promptLength} tokens: {@code
   * maxTokens}, or fewer when the context fills first. The last token is sampled from the logits of
   * the context's last position and never fed back, so a full context still yields one more.
   */
  public static int tokenBudget(int contextLength, int promptLength, int maxTokens) {
    return Math.min(maxTokens, contextLength - promptLength + 1);
  }

  private void checkPrompt(int[] prompt, int vocabulary) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException(
          "the prompt has no tokens; it needs at least one (e.g. the tokenizer's BOS token)");
    }
    if (prompt.length > model.contextLength()) {
      throw new IllegalArgumentException(
          "the prompt has "
              + prompt.length
              + " tokens but the model's context holds "
              + model.contextLength()
              + "; shorten the prompt");
    }
    for (int i = 0; i < prompt.length; i++) {
      if (prompt[i] < 0 || prompt[i] >= vocabulary) {
        throw new IllegalArgumentException(
            "prompt token "
                + i
                + " is id "
                + prompt[i]
                + ", outside the vocabulary [0, "
                + vocabulary
                + ")");
      }
    }
  }
}
