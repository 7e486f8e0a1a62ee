package dev.lathe.server.evals.graders;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code rouge_1} .. {@code rouge_5} and {@code rouge_l} metrics (Lin 2004), each the F1
 * measure, the value Google's {@code rouge_score} package reports as {@code fmeasure}.
 *
 * <p>Tokenisation: lower-cased (Unicode, root locale), split on every run of characters that are
 * neither letters nor digits, so punctuation is dropped. For ASCII text this is {@code
 * rouge_score}'s default tokenizer without stemming; unlike it, letters outside ASCII ("café",
 * "日本語") are kept as word characters instead of being deleted.
 *
 * <p>ROUGE-N: with m the clipped count of the candidate's n-grams found in the reference (min of
 * the two counts per n-gram), precision P = m / (candidate n-grams), recall R = m / (reference
 * n-grams), score F = 2PR / (P + R), 0 when P + R = 0 (so also when either side has no n-gram, as
 * in {@code rouge_score}).
 *
 * <p>ROUGE-L: the same F1 with m the length of the longest common subsequence of the two token
 * sequences, P = m / (candidate tokens), R = m / (reference tokens).
 */
final class Rouge {
  private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  private Rouge() {}

  static List<String> tokenize(String text) {
    List<String> out = new ArrayList<>();
    for (String t : NON_WORD.split(text.toLowerCase(Locale.ROOT))) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  /** ROUGE-N F1 of {@code candidate} against {@code reference}. */
  static double rougeN(String candidate, String reference, int n) {
    List<String> c = tokenize(candidate);
    List<String> r = tokenize(reference);
    int m = NGrams.overlap(NGrams.count(c, n), NGrams.count(r, n));
    return f1(m, NGrams.total(c.size(), n), NGrams.total(r.size(), n));
  }

  /** ROUGE-L F1 of {@code candidate} against {@code reference}. */
  static double rougeL(String candidate, String reference) {
    List<String> c = tokenize(candidate);
    List<String> r = tokenize(reference);
    Map<String, Integer> ids = new HashMap<>();
    int[] x = c.stream().mapToInt(t -> ids.computeIfAbsent(t, k -> ids.size())).toArray();
    int[] y = r.stream().mapToInt(t -> ids.computeIfAbsent(t, k -> ids.size())).toArray();
    return f1(FuzzyMatch.lcs(x, y), c.size(), r.size());
  }

  static double f1(int matches, int candidateTotal, int referenceTotal) {
    double p = (double) matches / Math.max(candidateTotal, 1);
    double r = (double) matches / Math.max(referenceTotal, 1);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
}
