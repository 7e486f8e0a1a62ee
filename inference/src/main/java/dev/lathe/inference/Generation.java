package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * One sequence's generation between forward passes: whoever runs the model (a {@link Generator}
 * alone, or a {@link BatchScheduler} step with other sequences) fills {@link #logits()} at the end
 * of {@link #cache()}, then {@link #choose} picks the next token and applies every per-request rule
 * (constraint mask, sampling, stop ids and strings, {@code max_tokens}, the context, cancellation).
 * So a request's tokens depend only on its logits and its own random stream.
 */
public final class Generation {
  private final GenerationRequest request;
  private final GenerationListener listener;
  private final Sampler sampler;
  private final boolean[] stopsOn;
  private final KvCache cache;
  private final int capacity;
  private final float[] logits; // (V)
  private final int decodable;
  private final IncrementalDecoder decoder;
  private final StopMatcher matcher;
  private final StringBuilder text = new StringBuilder();
  private final int[] tokens;
  private final TokenConstraint.State constraint;
  private final List<TokenLogprob> logprobs = new ArrayList<>();
  private final int promptTokens;
  private int generated;
  private FinishReason reason;

  /**
   * A generation of {@code model} after {@code prompt} (checked by the caller), its randomness
   * {@code random}, reporting to {@code listener}; its cache is new and empty.
   */
  Generation(
      LanguageModel model,
      TextTokenizer tokenizer,
      int[] prompt,
      GenerationRequest request,
      RandomGenerator random,
      GenerationListener listener) {
    int vocabulary = model.vocabularySize();
    this.request = request;
    this.listener = listener;
    this.promptTokens = prompt.length;
    this.sampler = new Sampler(vocabulary, request.sampling(), random, request.logprobs());
    this.stopsOn = new boolean[vocabulary];
    for (int id : request.stopTokenIds()) {
      if (id >= 0 && id < vocabulary) {
        stopsOn[id] = true;
      }
    }
    this.capacity =
        (int) Math.min(model.contextLength(), (long) prompt.length + request.maxTokens());
    this.cache = model.newCache(capacity);
    this.logits = new float[vocabulary];
    this.decoder = new IncrementalDecoder(tokenizer, prompt);
    this.matcher = new StopMatcher(request.stop());
    this.tokens = new int[Math.min(request.maxTokens(), capacity)];
    int budget = Generator.tokenBudget(model.contextLength(), prompt.length, request.maxTokens());
    this.constraint = request.constraint().map(c -> c.start(stopsOn, budget)).orElse(null);
    // ids the tokenizer cannot decode (a vocabulary padded for speed) are never chosen
    this.decodable = Math.min(vocabulary, tokenizer.vocabularySize());
  }

  /** Where the sequence's keys and values go. */
  public KvCache cache() {
    return cache;
  }

  /** Where the model writes the logits of the cache's last position. */
  public float[] logits() {
    return logits;
  }

  /** Ends the generation before any token ({@link FinishReason#CANCELLED}). */
  void cancel() {
    reason = FinishReason.CANCELLED;
  }

  /**
   * Chooses the next token from {@link #logits()} and reports it; returns true when the model must
   * now be fed {@link #lastToken()}, false once the generation has ended ({@link #result()}).
   * {@code cancelled} is polled after each token.
   */
  boolean choose(BooleanSupplier cancelled) {
    Arrays.fill(logits, decodable, logits.length, Float.NEGATIVE_INFINITY);
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
      release(matcher.push(decoder.flush()));
      release(matcher.flush());
      return end(FinishReason.STOP);
    }
    if (constraint != null) {
      constraint.accept(token);
    }
    release(matcher.push(decoder.push(token)));
    if (matcher.matched()) {
      return end(FinishReason.STOP);
    }
    if (constraint != null && constraint.finished()) {
      release(matcher.push(decoder.flush()));
      release(matcher.flush());
      return end(FinishReason.STOP);
    }
    if (generated == request.maxTokens() || cache.length() >= capacity) {
      release(matcher.push(decoder.flush()));
      if (matcher.matched()) {
        return end(FinishReason.STOP);
      }
      release(matcher.flush());
      return end(FinishReason.LENGTH);
    }
    if (cancelled.getAsBoolean()) {
      return end(FinishReason.CANCELLED);
    }
    return true;
  }

  /** The token {@link #choose} chose last. */
  int lastToken() {
    return tokens[generated - 1];
  }

  private boolean end(FinishReason why) {
    reason = why;
    return false;
  }

  /** What was generated, once {@link #choose} returned false (or after {@link #cancel}). */
  public GenerationResult result() {
    if (reason == null) {
      throw new IllegalStateException("the generation has not ended");
    }
    return new GenerationResult(
        text.toString(),
        Arrays.copyOf(tokens, generated),
        reason,
        promptTokens,
        generated,
        logprobs);
  }

  private static TokenLogprob logprobOf(Sampler sampler, int token) {
    List<TokenLogprob.Alternative> top = new ArrayList<>(sampler.topCount());
    for (int r = 0; r < sampler.topCount(); r++) {
      top.add(new TokenLogprob.Alternative(sampler.topToken(r), sampler.topLogprob(r)));
    }
    return new TokenLogprob(token, sampler.logprob(), top);
  }

  private void release(String delta) {
    if (!delta.isEmpty()) {
      text.append(delta);
      listener.onText(delta);
    }
  }
}
