package dev.lathe.inference;

import dev.lathe.tensor.ArgMax;
import dev.lathe.tensor.Softmax;
import java.util.random.RandomGenerator;

/**
 * Chooses tokens from logits according to {@link SamplingParams}, one call per generated token, and
 * reports the log-probability of each choice and its most likely alternatives.
 *
 * <p>Choosing: the logit bias is added to the raw logits and the frequency and presence penalties
 * are subtracted from them (counted over the tokens this sampler has chosen, i.e. the completion,
 * not the prompt, as vLLM does); temperature 0 then takes the arg-max. Otherwise the logits are
 * divided by the temperature and soft-maxed; {@code topK} keeps the most likely tokens, {@code
 * minP} drops those below {@code minP} times the best one, {@code topP} keeps the smallest
 * most-likely prefix whose renormalized mass reaches {@code topP}, and a token is drawn from what
 * remains in proportion to its probability.
 *
 * <p>Reporting: {@link #logprob()} and the {@code top*} accessors give the log-softmax of the
 * <em>unmodified</em> logits (before penalties, temperature and truncation) — the model's own
 * distribution (without the logit bias too), which is what OpenAI's {@code logprobs} describe and
 * what stays comparable across sampling settings (vLLM's default too). Ties among alternatives go
 * to the lower id.
 *
 * <p>Every buffer is allocated once at construction: choosing a token allocates nothing. Not
 * thread-safe; one sampler per generation.
 */
public final class Sampler {
  private final int vocabularySize;
  private final SamplingParams params;
  private final RandomGenerator random;
  private final int[] counts; // (V) times each token was chosen so far
  private final float[] bias; // (V) the logit bias of each token, or null when there is none
  private final float[] probabilities; // (V) scratch: tempered logits, then probabilities
  private final int[] candidates; // (V) scratch: ids still in the running
  private final int[] topIds; // (topLogprobs)
  private final float[] topLogprobs; // (topLogprobs)
  private float lastLogprob;

  private final boolean reporting;

  /** A sampler that reports log-probabilities for every token. */
  public Sampler(int vocabularySize, SamplingParams params, RandomGenerator random) {
    this(vocabularySize, params, random, true);
  }

  /**
   * A sampler; with {@code reportLogprobs} false, {@link #logprob()} and the {@code top*} accessors
   * are not computed, which spares a soft-max over the vocabulary per token.
   */
  public Sampler(
      int vocabularySize, SamplingParams params, RandomGenerator random, boolean reportLogprobs) {
    if (vocabularySize <= 0) {
      throw new IllegalArgumentException("vocabularySize must be positive: " + vocabularySize);
    }
    this.vocabularySize = vocabularySize;
    this.params = params;
    this.random = random;
    this.reporting = reportLogprobs;
    this.counts = new int[vocabularySize];
    this.bias = bias(vocabularySize, params);
    this.probabilities = new float[vocabularySize];
    this.candidates = new int[vocabularySize];
    int reported = Math.min(params.topLogprobs(), vocabularySize);
    this.topIds = new int[reported];
    this.topLogprobs = new float[reported];
  }

  private static float[] bias(int vocabularySize, SamplingParams params) {
    if (params.logitBias().isEmpty()) {
      return null;
    }
    float[] bias = new float[vocabularySize];
    params
        .logitBias()
        .forEach(
            (token, value) -> {
              if (token >= vocabularySize) {
                throw new IllegalArgumentException(
                    "logit_bias names token "
                        + token
                        + ", outside the vocabulary [0, "
                        + vocabularySize
                        + ")");
              }
              bias[token] = value.floatValue();
            });
    return bias;
  }

  /** Chooses the next token from {@code logits[0 .. vocabularySize)} and remembers it. */
  public int next(float[] logits) {
    if (logits.length < vocabularySize) {
      throw new IllegalArgumentException(
          "logits has " + logits.length + " entries, the vocabulary " + vocabularySize);
    }
    int token = params.greedy() ? argmaxPenalized(logits) : draw(logits);
    if (reporting) {
      report(logits, token);
    }
    counts[token]++;
    return token;
  }

  /** Log-probability of the last chosen token under the unmodified distribution. */
  public float logprob() {
    return lastLogprob;
  }

  /** Number of alternatives reported per token ({@link SamplingParams#topLogprobs()}). */
  public int topCount() {
    return topIds.length;
  }

  /** Id of the {@code rank}-th most likely token at the last step (rank 0 is the best). */
  public int topToken(int rank) {
    return topIds[rank];
  }

  /** Log-probability of {@link #topToken(int)} under the unmodified distribution. */
  public float topLogprob(int rank) {
    return topLogprobs[rank];
  }

  private float penalized(float[] logits, int i) {
    float logit = bias == null ? logits[i] : logits[i] + bias[i];
    int count = counts[i];
    if (count == 0) {
      return logit;
    }
    return (float) (logit - count * params.frequencyPenalty() - params.presencePenalty());
  }

  private int argmaxPenalized(float[] logits) {
    if (bias == null && params.frequencyPenalty() == 0 && params.presencePenalty() == 0) {
      // nothing moves a logit: the vector arg-max over the raw logits (the same choice)
      int first = ArgMax.first(logits, 0, vocabularySize);
      if (first >= 0) {
        return first;
      }
      // a NaN logit: the loop below skips it as it always has
    }
    int best = 0;
    float bestValue = penalized(logits, 0);
    for (int i = 1; i < vocabularySize; i++) {
      float value = penalized(logits, i);
      if (value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    return best;
  }

  private int draw(float[] logits) {
    // probabilities: (V) softmax(penalized / temperature), on the tensor module's kernel
    float inverseTemperature = (float) (1.0 / params.temperature());
    for (int i = 0; i < vocabularySize; i++) {
      probabilities[i] = penalized(logits, i) * inverseTemperature;
    }
    Softmax.forward(probabilities, 0, vocabularySize);
    float best = 0;
    for (int i = 0; i < vocabularySize; i++) {
      best = Math.max(best, probabilities[i]);
    }

    // candidates: ids past the min-p threshold. The nucleus is measured against their mass
    // (renormalized); without top-k, ids below (1 - topP) * kept / (V - 1) are dropped up front
    // too, as llama2.c does: together they hold less than 1 - topP of it, so none can be in the
    // nucleus, and the sort gets much shorter.
    float threshold = (float) (params.minP() * best);
    boolean cutoff = params.topK() == 0 && params.topP() < 1 && vocabularySize > 1;
    double kept = 0;
    if (cutoff) {
      for (int i = 0; i < vocabularySize; i++) {
        if (probabilities[i] >= threshold) {
          kept += probabilities[i];
        }
      }
      threshold = Math.max(threshold, (float) ((1 - params.topP()) * kept / (vocabularySize - 1)));
    }
    int n = 0;
    for (int i = 0; i < vocabularySize; i++) {
      if (probabilities[i] >= threshold) {
        candidates[n++] = i;
      }
    }
    boolean sorted = false;
    if (params.topK() > 0 && params.topK() < n) {
      selectMostLikely(params.topK(), n);
      n = params.topK();
      sorted = true;
    }
    double mass = 0;
    for (int r = 0; r < n; r++) {
      mass += probabilities[candidates[r]];
    }
    if (params.topP() < 1) {
      n = nucleus(n, params.topP() * (cutoff ? kept : mass), sorted);
      mass = 0;
      for (int r = 0; r < n; r++) {
        mass += probabilities[candidates[r]];
      }
    }
    double u = random.nextDouble() * mass;
    double cumulative = 0;
    for (int r = 0; r < n; r++) {
      cumulative += probabilities[candidates[r]];
      if (u < cumulative) {
        return candidates[r];
      }
    }
    return candidates[n - 1]; // rounding: u landed past the last partial sum
  }

  /**
   * Sorts the most likely candidates first and returns the length of the shortest prefix whose mass
   * reaches {@code target}. Nuclei are usually small, so it selects the top 64, then 256, ... until
   * one holds the target, rather than sorting every candidate.
   */
  private int nucleus(int n, double target, boolean sorted) {
    int k = sorted ? n : Math.min(n, 64);
    while (true) {
      if (!sorted) {
        selectMostLikely(k, n);
      }
      double cumulative = 0;
      for (int r = 0; r < k; r++) {
        cumulative += probabilities[candidates[r]];
        if (cumulative >= target) {
          return r + 1;
        }
      }
      if (k == n) {
        return n; // rounding kept the sum just short of the target: keep them all
      }
      k = (int) Math.min(n, k * 4L);
    }
  }

  /**
   * Reorders {@code candidates} so that its first {@code k} entries are the {@code k} most likely
   * ids of its first {@code total}, most likely first (a bounded min-heap, then heap-sorted).
   */
  private void selectMostLikely(int k, int total) {
    for (int i = k / 2 - 1; i >= 0; i--) {
      siftDown(i, k);
    }
    for (int i = k; i < total; i++) {
      if (probabilities[candidates[i]] > probabilities[candidates[0]]) {
        int least = candidates[0]; // swap, not overwrite: the candidates stay a permutation
        candidates[0] = candidates[i];
        candidates[i] = least;
        siftDown(0, k);
      }
    }
    for (int end = k - 1; end > 0; end--) {
      int least = candidates[0];
      candidates[0] = candidates[end];
      candidates[end] = least;
      siftDown(0, end);
    }
  }

  /** Min-heap sift-down over {@code candidates[0 .. size)} keyed by probability. */
  private void siftDown(int at, int size) {
    int id = candidates[at];
    float key = probabilities[id];
    while (true) {
      int child = 2 * at + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size
          && probabilities[candidates[child + 1]] < probabilities[candidates[child]]) {
        child++;
      }
      if (probabilities[candidates[child]] >= key) {
        break;
      }
      candidates[at] = candidates[child];
      at = child;
    }
    candidates[at] = id;
  }

  /** Fills {@link #lastLogprob} and the top alternatives from the unmodified logits. */
  private void report(float[] logits, int token) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < vocabularySize; i++) {
      max = Math.max(max, logits[i]);
    }
    double sum = 0;
    for (int i = 0; i < vocabularySize; i++) {
      sum += Math.exp(logits[i] - max);
    }
    float logNormalizer = (float) (max + Math.log(sum));
    lastLogprob = logits[token] - logNormalizer;
    int k = topIds.length;
    if (k == 0) {
      return;
    }
    // insertion into a descending list of length k; scanning ids upward keeps lower ids first
    int filled = 0;
    for (int i = 0; i < vocabularySize; i++) {
      float value = logits[i];
      if (filled == k && value <= topLogprobs[k - 1]) {
        continue;
      }
      int at = Math.min(filled, k - 1);
      while (at > 0 && topLogprobs[at - 1] < value) {
        topIds[at] = topIds[at - 1];
        topLogprobs[at] = topLogprobs[at - 1];
        at--;
      }
      topIds[at] = i;
      topLogprobs[at] = value;
      filled = Math.min(filled + 1, k);
    }
    for (int r = 0; r < k; r++) {
      topLogprobs[r] -= logNormalizer;
    }
  }
}
