package dev.lathe.server.evals.graders;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code bleu} and {@code gleu} metrics on one sentence, scored in [0, 1].
 *
 * <p>Tokenisation (both metrics): sacreBLEU's default "13a" tokenizer, the one of the WMT scoring
 * script mteval-v13a: it unescapes {@code &quot; &amp; &lt; &gt;}, splits off punctuation and
 * symbols, splits a period or comma unless it sits between digits, splits a dash after a digit, and
 * splits on whitespace. Case is kept (sacreBLEU's default).
 *
 * <p>BLEU (Papineni et al. 2002) as sacreBLEU's {@code sentence_bleu} computes it by default: for n
 * = 1..4 the modified precision p_n = (clipped n-gram matches) / (candidate n-grams), each
 * candidate n-gram's count clipped to its largest count in any one reference; BLEU = BP * exp(mean
 * of log p_n), with the brevity penalty BP = 1 when the candidate length c is at least the
 * reference length r (the reference length closest to c, the shorter on a tie), else exp(1 - r/c).
 * Smoothing is sacreBLEU's default "exp": the k-th order with no match gets p_n = 1 / (2^k * total
 * n-grams); "effective order": orders with no candidate n-gram at all (a candidate shorter than 4
 * tokens) are left out of the mean. A candidate with no matching unigram, or no tokens, scores 0.
 *
 * <p>GLEU (Wu et al. 2016, Google's sentence-level BLEU, as NLTK's {@code sentence_gleu}): over all
 * n-grams of orders 1..4 together, GLEU = matches / max(candidate n-grams, reference n-grams), that
 * is min(precision, recall); 0 when both are empty.
 */
final class Bleu {
  static final int MAX_ORDER = 4;

  private static final Pattern SYMBOLS = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@/])");
  private static final Pattern PERIOD_COMMA_AFTER = Pattern.compile("([^0-9])([\\.,])");
  private static final Pattern PERIOD_COMMA_BEFORE = Pattern.compile("([\\.,])([^0-9])");
  private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");
  private static final Pattern SPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

  private Bleu() {}

  /** The 13a tokens of {@code line}. */
  static List<String> tokenize13a(String line) {
    String s = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
    if (s.indexOf('&') >= 0) {
      s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    s = " " + s + " ";
    s = SYMBOLS.matcher(s).replaceAll(" $1 ");
    s = PERIOD_COMMA_AFTER.matcher(s).replaceAll("$1 $2 ");
    s = PERIOD_COMMA_BEFORE.matcher(s).replaceAll(" $1 $2");
    s = DASH_AFTER_DIGIT.matcher(s).replaceAll("$1 $2 ");
    String trimmed = s.strip();
    return trimmed.isEmpty() ? List.of() : Arrays.asList(SPACE.split(trimmed));
  }

  /** Sentence BLEU of {@code candidate} against one {@code reference}. */
  static double bleu(String candidate, String reference) {
    return bleu(tokenize13a(candidate), List.of(tokenize13a(reference)));
  }

  /** Sentence BLEU of a tokenised candidate against tokenised references. */
  static double bleu(List<String> candidate, List<List<String>> references) {
    int[] correct = new int[MAX_ORDER];
    int[] total = new int[MAX_ORDER];
    for (int n = 1; n <= MAX_ORDER; n++) {
      int[] mt = modifiedPrecision(candidate, references, n);
      correct[n - 1] = mt[0];
      total[n - 1] = mt[1];
    }
    if (Arrays.stream(correct).allMatch(c -> c == 0)) {
      return 0;
    }
    double smooth = 1;
    double logSum = 0;
    int order = 0;
    for (int n = 1; n <= MAX_ORDER && total[n - 1] > 0; n++) {
      order = n;
      double p;
      if (correct[n - 1] == 0) {
        smooth *= 2;
        p = 1 / (smooth * total[n - 1]);
      } else {
        p = (double) correct[n - 1] / total[n - 1];
      }
      logSum += Math.log(p);
    }
    return brevityPenalty(candidate.size(), closestLength(candidate.size(), references))
        * Math.exp(logSum / order);
  }

  /**
   * The modified n-gram precision's numerator and denominator: {clipped matches, candidate
   * n-grams}, each candidate n-gram's count clipped to its largest count in any one reference.
   */
  static int[] modifiedPrecision(List<String> candidate, List<List<String>> references, int n) {
    Map<String, Integer> maxRef = new HashMap<>();
    for (List<String> ref : references) {
      NGrams.count(ref, n).forEach((g, c) -> maxRef.merge(g, c, Math::max));
    }
    return new int[] {
      NGrams.overlap(NGrams.count(candidate, n), maxRef), NGrams.total(candidate.size(), n)
    };
  }

  static double brevityPenalty(int candidateLength, int referenceLength) {
    if (candidateLength >= referenceLength) {
      return 1;
    }
    return candidateLength == 0 ? 0 : Math.exp(1 - (double) referenceLength / candidateLength);
  }

  /** The reference length closest to {@code c}, the shorter on a tie (sacreBLEU's choice). */
  static int closestLength(int c, List<List<String>> references) {
    int best = -1;
    for (List<String> ref : references) {
      int r = ref.size();
      int d = Math.abs(r - c);
      if (best < 0 || d < Math.abs(best - c) || d == Math.abs(best - c) && r < best) {
        best = r;
      }
    }
    return best;
  }

  /** Sentence GLEU of {@code candidate} against {@code reference}, both 13a-tokenised. */
  static double gleu(String candidate, String reference) {
    List<String> c = tokenize13a(candidate);
    List<String> r = tokenize13a(reference);
    int matches = 0;
    int candidateGrams = 0;
    int referenceGrams = 0;
    for (int n = 1; n <= MAX_ORDER; n++) {
      matches += NGrams.overlap(NGrams.count(c, n), NGrams.count(r, n));
      candidateGrams += NGrams.total(c.size(), n);
      referenceGrams += NGrams.total(r.size(), n);
    }
    int all = Math.max(candidateGrams, referenceGrams);
    return all == 0 ? 0 : (double) matches / all;
  }
}
