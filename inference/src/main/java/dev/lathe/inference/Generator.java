package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    int vocabulary = model.vocabularySize();
    checkPrompt(prompt, vocabulary);
    SamplingParams sampling = request.sampling();
    long seed = sampling.seed().orElseGet(seedSource);
    Sampler sampler =
        new Sampler(vocabulary, sampling, randomFactory.apply(seed), request.logprobs());
    boolean[] stopsOn = new boolean[vocabulary];
    for (int id : request.stopTokenIds()) {
      if (id >= 0 && id < vocabulary) {
        stopsOn[id] = true;
      }
    }
    int capacity =
        (int) Math.min(model.contextLength(), (long) prompt.length + request.maxTokens());
    KvCache cache = model.newCache(capacity);
    float[] logits = new float[vocabulary]; // (V)
    IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, prompt);
    StopMatcher matcher = new StopMatcher(request.stop());
    StringBuilder text = new StringBuilder();
    int[] tokens = new int[Math.min(request.maxTokens(), capacity)];
    int[] single = new int[1];
    int budget = tokenBudget(model.contextLength(), prompt.length, request.maxTokens());
    TokenConstraint.State constraint =
        request.constraint().map(c -> c.start(stopsOn, budget)).orElse(null);
    List<TokenLogprob> logprobs = new ArrayList<>();
    int generated = 0;
    FinishReason reason;

    if (cancelled.getAsBoolean()) {
      return new GenerationResult(
          "", new int[0], FinishReason.CANCELLED, prompt.length, 0, logprobs);
    }
    // ids the tokenizer cannot decode (a vocabulary padded for speed) are never chosen
    int decodable = Math.min(vocabulary, tokenizer.vocabularySize());
    model.forward(prompt, 0, prompt.length, cache, logits); // prefill
    while (true) {
      Arrays.fill(logits, decodable, vocabulary, Float.NEGATIVE_INFINITY);
      if (constraint != null) {
        constraint.mask(logits);
      }
      int token = sampler.next(logits);
      tokens[generated++] = token;
      TokenLogprob logprob = request.logprobs() ? logprobOf(sampler, token) : null;
      if (logprob != null) {
        logprobs.add(logprob);
      }
      listener.onToken(token, logprob);
      if (stopsOn[token]) {
        release(matcher.push(decoder.flush()), text, listener);
        release(matcher.flush(), text, listener);
        reason = FinishReason.STOP;
        break;
      }
      if (constraint != null) {
        constraint.accept(token);
      }
      release(matcher.push(decoder.push(token)), text, listener);
      if (matcher.matched()) {
        reason = FinishReason.STOP;
        break;
      }
      if (constraint != null && constraint.finished()) {
        release(matcher.push(decoder.flush()), text, listener);
        release(matcher.flush(), text, listener);
        reason = FinishReason.STOP;
        break;
      }
      if (generated == request.maxTokens() || cache.length() >= capacity) {
        release(matcher.push(decoder.flush()), text, listener);
        if (matcher.matched()) {
          reason = FinishReason.STOP;
          break;
        }
        release(matcher.flush(), text, listener);
        reason = FinishReason.LENGTH;
        break;
      }
      if (cancelled.getAsBoolean()) {
        reason = FinishReason.CANCELLED;
        break;
      }
      single[0] = token;
      model.forward(single, 0, 1, cache, logits); // decode
    }
    return new GenerationResult(
        text.toString(),
        Arrays.copyOf(tokens, generated),
        reason,
        prompt.length,
        generated,
        logprobs);
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

  private static TokenLogprob logprobOf(Sampler sampler, int token) {
    List<TokenLogprob.Alternative> top = new ArrayList<>(sampler.topCount());
    for (int r = 0; r < sampler.topCount(); r++) {
      top.add(new TokenLogprob.Alternative(sampler.topToken(r), sampler.topLogprob(r)));
    }
    return new TokenLogprob(token, sampler.logprob(), top);
  }

  private static void release(String delta, StringBuilder text, GenerationListener listener) {
    if (!delta.isEmpty()) {
      text.append(delta);
      listener.onText(delta);
    }
  }
}
