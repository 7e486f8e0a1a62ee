package dev.lathe.inference;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * How the next token is chosen from the model's logits, with OpenAI's parameter semantics.
 *
 * <p>Order of application (the usual one of Hugging Face and vLLM): the logit bias and the
 * frequency and presence penalties on the raw logits, then temperature, then {@code topK}, {@code
 * topP} (nucleus) and {@code minP}, then a draw. Temperature 0 means greedy: the arg-max of the
 * penalized logits (ties go to the lower id), with no draw.
 *
 * @param temperature 0 (greedy) to 2, as OpenAI allows
 * @param topP keep the smallest set of most likely tokens whose probability sums to at least this
 *     (0 exclusive to 1 inclusive; 1 keeps everything)
 * @param topK keep only the {@code topK} most likely tokens; 0 keeps everything
 * @param minP the minimum-probability guard: drop tokens whose probability is below {@code minP}
 *     times that of the most likely token (0 to 1; 0 disables it)
 * @param frequencyPenalty OpenAI's {@code frequency_penalty}, -2 to 2: subtracted from a token's
 *     logit once per time it was already generated
 * @param presencePenalty OpenAI's {@code presence_penalty}, -2 to 2: subtracted once from the logit
 *     of every token generated at least once
 * @param seed same seed, prompt and model give the same tokens; empty draws a fresh seed
 * @param topLogprobs how many most likely alternatives to report per token (0 to 20)
 * @param logitBias OpenAI's {@code logit_bias}: token id to a value from -100 to 100 added to that
 *     token's logit before sampling (-100 all but bans it, 100 all but forces it); ids are not
 *     negative, and the {@link Sampler} refuses ids past its vocabulary
 */
public record SamplingParams(
    double temperature,
    double topP,
    int topK,
    double minP,
    double frequencyPenalty,
    double presencePenalty,
    OptionalLong seed,
    int topLogprobs,
    Map<Integer, Double> logitBias) {

  /** Most alternatives per token OpenAI reports in {@code top_logprobs}. */
  public static final int MAX_TOP_LOGPROBS = 20;

  /** Largest bias {@code logit_bias} may add to or subtract from a logit (OpenAI's bound). */
  public static final double MAX_LOGIT_BIAS = 100;

  /** OpenAI's defaults: temperature 1, top_p 1, no penalties, no seed, no logit bias. */
  public static final SamplingParams DEFAULTS =
      new SamplingParams(1.0, 1.0, 0, 0.0, 0.0, 0.0, OptionalLong.empty(), 0);

  /** Greedy decoding (temperature 0). */
  public static final SamplingParams GREEDY = DEFAULTS.withTemperature(0.0);

  public SamplingParams {
    check(temperature >= 0 && temperature <= 2, "temperature", temperature, "between 0 and 2");
    check(topP > 0 && topP <= 1, "top_p", topP, "greater than 0 and at most 1");
    check(topK >= 0, "top_k", topK, "0 (disabled) or positive");
    check(minP >= 0 && minP <= 1, "min_p", minP, "between 0 and 1");
    check(
        frequencyPenalty >= -2 && frequencyPenalty <= 2,
        "frequency_penalty",
        frequencyPenalty,
        "between -2 and 2");
    check(
        presencePenalty >= -2 && presencePenalty <= 2,
        "presence_penalty",
        presencePenalty,
        "between -2 and 2");
    check(
        topLogprobs >= 0 && topLogprobs <= MAX_TOP_LOGPROBS,
        "top_logprobs",
        topLogprobs,
        "between 0 and " + MAX_TOP_LOGPROBS);
    if (seed == null) {
      throw new IllegalArgumentException("seed must be OptionalLong.empty(), not null");
    }
    if (logitBias == null) {
      throw new IllegalArgumentException("logitBias must be an empty map, not null");
    }
    for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
      check(e.getKey() != null && e.getKey() >= 0, "a logit_bias token id", e.getKey(), ">= 0");
      double bias = e.getValue() == null ? Double.NaN : e.getValue();
      check(
          bias >= -MAX_LOGIT_BIAS && bias <= MAX_LOGIT_BIAS,
          "the logit_bias of token " + e.getKey(),
          e.getValue(),
          "between -100 and 100");
    }
    logitBias = Collections.unmodifiableSortedMap(new TreeMap<>(logitBias));
  }

  /** Parameters without a logit bias. */
  public SamplingParams(
      double temperature,
      double topP,
      int topK,
      double minP,
      double frequencyPenalty,
      double presencePenalty,
      OptionalLong seed,
      int topLogprobs) {
    this(
        temperature,
        topP,
        topK,
        minP,
        frequencyPenalty,
        presencePenalty,
        seed,
        topLogprobs,
        Map.of());
  }

  private static void check(boolean ok, String name, Object value, String expected) {
    if (!ok) {
      throw new IllegalArgumentException(name + " is " + value + "; it must be " + expected);
    }
  }

  /** Whether the next token is the arg-max (no randomness involved). */
  public boolean greedy() {
    return temperature == 0.0;
  }

  public SamplingParams withTemperature(double value) {
    return new SamplingParams(
        value, topP, topK, minP, frequencyPenalty, presencePenalty, seed, topLogprobs, logitBias);
  }

  public SamplingParams withTopP(double value) {
    return new SamplingParams(
        temperature,
        value,
        topK,
        minP,
        frequencyPenalty,
        presencePenalty,
        seed,
        topLogprobs,
        logitBias);
  }

  public SamplingParams withTopK(int value) {
    return new SamplingParams(
        temperature,
        topP,
        value,
        minP,
        frequencyPenalty,
        presencePenalty,
        seed,
        topLogprobs,
        logitBias);
  }

  public SamplingParams withMinP(double value) {
    return new SamplingParams(
        temperature,
        topP,
        topK,
        value,
        frequencyPenalty,
        presencePenalty,
        seed,
        topLogprobs,
        logitBias);
  }

  public SamplingParams withPenalties(double frequency, double presence) {
    return new SamplingParams(
        temperature, topP, topK, minP, frequency, presence, seed, topLogprobs, logitBias);
  }

  public SamplingParams withSeed(long value) {
    return new SamplingParams(
        temperature,
        topP,
        topK,
        minP,
        frequencyPenalty,
        presencePenalty,
        OptionalLong.of(value),
        topLogprobs,
        logitBias);
  }

  public SamplingParams withTopLogprobs(int value) {
    return new SamplingParams(
        temperature, topP, topK, minP, frequencyPenalty, presencePenalty, seed, value, logitBias);
  }

  public SamplingParams withLogitBias(Map<Integer, Double> value) {
    return new SamplingParams(
        temperature, topP, topK, minP, frequencyPenalty, presencePenalty, seed, topLogprobs, value);
  }
}
