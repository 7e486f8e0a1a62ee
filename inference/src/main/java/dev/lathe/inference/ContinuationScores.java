package dev.lathe.inference;

import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.util.List;

/**
 * How likely a model finds each of a few fixed continuations of one prompt: the sum of the
 * log-probabilities of the continuation's tokens, each given the prompt and the tokens before it
 * (teacher forcing, no sampling). The prompt is run once; each continuation reuses its cache.
 *
 * <p>Used where a choice among a few known strings must be the model's own, e.g. which function a
 * {@code tool_choice: "required"} call names.
 */
public final class ContinuationScores {
  private ContinuationScores() {}

  /**
   * The index of the continuation with the highest total log-probability after {@code prompt} (ties
   * go to the first).
   *
   * @param prompt token ids, not empty
   * @param continuations token ids of each candidate, none empty
   */
  public static int mostLikely(LanguageModel model, int[] prompt, List<int[]> continuations) {
    if (prompt.length == 0 || continuations.isEmpty()) {
      throw new IllegalArgumentException("a prompt and at least one continuation are needed");
    }
    int longest = 0;
    for (int[] c : continuations) {
      if (c.length == 0) {
        throw new IllegalArgumentException("a continuation must have at least one token");
      }
      longest = Math.max(longest, c.length);
    }
    int vocabulary = model.vocabularySize();
    KvCache cache = model.newCache(Math.min(model.contextLength(), prompt.length + longest));
    float[] afterPrompt = new float[vocabulary]; // (V) logits after the prompt
    float[] logits = new float[vocabulary]; // (V)
    model.forward(prompt, 0, prompt.length, cache, afterPrompt);
    int best = 0;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < continuations.size(); i++) {
      int[] c = continuations.get(i);
      cache.truncate(prompt.length);
      double score = logProbability(afterPrompt, c[0]);
      for (int t = 1; t < c.length && cache.length() < cache.capacity(); t++) {
        model.forward(c, t - 1, 1, cache, logits);
        score += logProbability(logits, c[t]);
      }
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  /** log softmax(logits)[token], computed in double. */
  static double logProbability(float[] logits, int token) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return logits[token] - max - Math.log(sum);
  }
}
