package dev.lathe.server.evals.graders;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Counting the n-grams of a token sequence, shared by BLEU, GLEU and ROUGE-N. */
final class NGrams {
  private NGrams() {}

  /** How often each n-gram (its tokens joined by U+0001) occurs in {@code tokens}. */
  static Map<String, Integer> count(List<String> tokens, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      counts.merge(String.join("\u0001", tokens.subList(i, i + n)), 1, Integer::sum);
    }
    return counts;
  }

  /** The number of n-grams of a sequence of {@code length} tokens. */
  static int total(int length, int n) {
    return Math.max(0, length - n + 1);
  }

  /**
   * The clipped overlap: the sum over the candidate's n-grams of min(candidate count, reference
   * count), the "modified" count of the BLEU paper (with one reference).
   */
  static int overlap(Map<String, Integer> candidate, Map<String, Integer> reference) {
    int matched = 0;
    for (Map.Entry<String, Integer> e : candidate.entrySet()) {
      matched += Math.min(e.getValue(), reference.getOrDefault(e.getKey(), 0));
    }
    return matched;
  }
}
