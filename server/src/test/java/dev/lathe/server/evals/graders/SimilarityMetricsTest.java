package dev.lathe.server.evals.graders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The text_similarity metrics against hand computations (worked out in each test's comment) and the
 * published examples of the BLEU paper (Papineni et al. 2002, section 2.1).
 */
class SimilarityMetricsTest {
  private static final double EPS = 1e-12;

  @Test
  void fuzzyMatchIsTwiceTheLongestCommonSubsequenceOverTheTotalLength() {
    // kitten / sitting: LCS "ittn" = 4, lengths 6 + 7 -> 8/13
    assertThat(FuzzyMatch.score("kitten", "sitting")).isCloseTo(8.0 / 13, within(EPS));
    assertThat(FuzzyMatch.score("same", "same")).isEqualTo(1.0);
    assertThat(FuzzyMatch.score("", "")).isEqualTo(1.0);
    assertThat(FuzzyMatch.score("abc", "")).isEqualTo(0.0);
    assertThat(FuzzyMatch.score("abc", "xyz")).isEqualTo(0.0);
    // case-sensitive: only "bc" is shared -> 4/6
    assertThat(FuzzyMatch.score("Abc", "abc")).isCloseTo(4.0 / 6, within(EPS));
  }

  @Test
  void fuzzyMatchCountsCodePointsNotUtf16Units() {
    // 3 code points each, "a" and the emoji shared -> 4/6 (UTF-16 units would give 6/8)
    assertThat(FuzzyMatch.score("a😀b", "a😀c")).isCloseTo(4.0 / 6, within(EPS));
    // café / cafe: "caf" shared of 4 + 4 -> 6/8
    assertThat(FuzzyMatch.score("café", "cafe")).isCloseTo(0.75, within(EPS));
  }

  /** The textbook dynamic programme, to check the bit-parallel LCS against. */
  private static int lcsByTable(int[] x, int[] y) {
    int[][] t = new int[x.length + 1][y.length + 1];
    for (int i = 1; i <= x.length; i++) {
      for (int j = 1; j <= y.length; j++) {
        t[i][j] = x[i - 1] == y[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      }
    }
    return t[x.length][y.length];
  }

  @Test
  void bitParallelLcsEqualsTheTextbookTableAcrossWordBoundaries() {
    java.util.Random random = new java.util.Random(13);
    int[] sizes = {0, 1, 2, 63, 64, 65, 127, 128, 129, 300};
    for (int trial = 0; trial < 400; trial++) {
      int[] x = random.ints(sizes[random.nextInt(sizes.length)], 0, 2 + trial % 6).toArray();
      int[] y = random.ints(sizes[random.nextInt(sizes.length)], 0, 2 + trial % 6).toArray();
      assertThat(FuzzyMatch.lcs(x, y)).as("trial %d", trial).isEqualTo(lcsByTable(x, y));
    }
    int[] ones = new int[200];
    java.util.Arrays.fill(ones, 1);
    // all-equal runs carry through every word
    assertThat(FuzzyMatch.lcs(ones, ones)).isEqualTo(200);
    assertThat(FuzzyMatch.lcs(ones, java.util.Arrays.copyOf(ones, 70))).isEqualTo(70);
  }

  @Test
  void tokenizer13aSplitsPunctuationAndSymbolsButNotDecimalsApostrophesOrHyphens() {
    assertThat(Bleu.tokenize13a("Hello, world! It costs $3.50, isn't it?"))
        .containsExactly(
            "Hello", ",", "world", "!", "It", "costs", "$", "3.50", ",", "isn't", "it", "?");
    assertThat(Bleu.tokenize13a("&quot;well-known&quot; in 1990-2000."))
        .containsExactly("\"", "well-known", "\"", "in", "1990", "-", "2000", ".");
    assertThat(Bleu.tokenize13a("  ")).isEmpty();
  }

  /** The BLEU paper's words, lower-cased, its final period dropped, split on spaces. */
  private static List<String> words(String s) {
    return Arrays.asList(s.toLowerCase(Locale.ROOT).replace(".", "").split(" "));
  }

  @Test
  void modifiedPrecisionMatchesTheBleuPapersExamples() {
    List<List<String>> refs =
        List.of(
            words(
                "It is a guide to action that ensures that the military will forever heed Party"
                    + " commands."),
            words(
                "It is the guiding principle which guarantees the military forces always being"
                    + " under the command of the Party."),
            words(
                "It is the practical guide for the army always to heed the directions of the"
                    + " party."));
    List<String> candidate1 =
        words(
            "It is a guide to action which ensures that the military always obeys the commands"
                + " of the party.");
    List<String> candidate2 =
        words(
            "It is to insure the troops forever hearing the activity guidebook that party"
                + " direct.");
    assertThat(Bleu.modifiedPrecision(candidate1, refs, 1)).containsExactly(17, 18);
    assertThat(Bleu.modifiedPrecision(candidate2, refs, 1)).containsExactly(8, 14);
    assertThat(Bleu.modifiedPrecision(candidate1, refs, 2)).containsExactly(10, 17);
    assertThat(Bleu.modifiedPrecision(candidate2, refs, 2)).containsExactly(1, 13);

    List<List<String>> catRefs =
        List.of(words("The cat is on the mat."), words("There is a cat on the mat."));
    assertThat(Bleu.modifiedPrecision(words("the the the the the the the"), catRefs, 1))
        .containsExactly(2, 7);
  }

  /**
   * sacreBLEU's README example, a corpus of three sentences with two references each: "BLEU = 48.53
   * 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)". Summing this class's
   * per-sentence statistics (13a tokens, clipping against both references, the closest reference
   * length) reproduces every figure.
   */
  @Test
  void perSentenceStatisticsReproduceSacrebleusPublishedCorpusExample() {
    String[] hyps = {
      "The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."
    };
    String[][] refs = {
      {"The dog bit the man.", "The dog had bit the man."},
      {"It was not unexpected.", "No one was surprised."},
      {"The man bit him first.", "The man had bitten the dog."}
    };
    int[] correct = new int[4];
    int[] total = new int[4];
    int hypLen = 0;
    int refLen = 0;
    for (int s = 0; s < hyps.length; s++) {
      List<String> h = Bleu.tokenize13a(hyps[s]);
      List<List<String>> r = Arrays.stream(refs[s]).map(Bleu::tokenize13a).toList();
      for (int n = 1; n <= 4; n++) {
        int[] mt = Bleu.modifiedPrecision(h, r, n);
        correct[n - 1] += mt[0];
        total[n - 1] += mt[1];
      }
      hypLen += h.size();
      refLen += Bleu.closestLength(h.size(), r);
    }
    assertThat(hypLen).isEqualTo(17);
    assertThat(refLen).isEqualTo(18);
    assertThat(correct).containsExactly(14, 7, 5, 3);
    assertThat(total).containsExactly(17, 14, 11, 8);
    double logMean = 0;
    for (int n = 0; n < 4; n++) {
      logMean += Math.log((double) correct[n] / total[n]) / 4;
    }
    double bp = Bleu.brevityPenalty(hypLen, refLen);
    assertThat(bp).isCloseTo(0.943, within(0.0005));
    assertThat(100 * bp * Math.exp(logMean)).isCloseTo(48.53, within(0.005));
  }

  @Test
  void sentenceBleuWithExpSmoothing() {
    // p1 = 5/6, p2 = 3/5, p3 = 1/4, no 4-gram match of 3 -> 1/(2*3); BP = 1 (equal lengths)
    // BLEU = (5/6 * 3/5 * 1/4 * 1/6)^(1/4) = (1/48)^(1/4)
    assertThat(Bleu.bleu("the cat sat on the mat", "the cat is on the mat"))
        .isCloseTo(Math.pow(1.0 / 48, 0.25), within(EPS));
    // two zero orders: the second is smoothed by 1/4: p = 1, 1/2... worked: cand "a b c d e",
    // ref "a b x d e": p1 = 4/5, p2 = 2/4, p3 = 0/3 -> 1/(2*3), p4 = 0/2 -> 1/(4*2)
    assertThat(Bleu.bleu("a b c d e", "a b x d e"))
        .isCloseTo(Math.pow(4.0 / 5 * 2.0 / 4 * (1.0 / 6) * (1.0 / 8), 0.25), within(EPS));
    assertThat(Bleu.bleu("The dog bit the man.", "The dog bit the man.")).isEqualTo(1.0);
  }

  @Test
  void sentenceBleuUsesTheEffectiveOrderAndTheBrevityPenalty() {
    // 2 tokens: p1 = 2/2, p2 = 1/1, no trigram at all -> mean over 2 orders; BP = exp(1 - 6/2)
    assertThat(Bleu.bleu("the cat", "the cat is on the mat")).isCloseTo(Math.exp(-2), within(EPS));
    // longer than the reference: no penalty, p1 = 6/7 ...
    assertThat(Bleu.brevityPenalty(7, 6)).isEqualTo(1.0);
    assertThat(Bleu.brevityPenalty(0, 6)).isEqualTo(0.0);
  }

  @Test
  void bleuIsZeroWithoutAnyMatchingWordAndForEmptyText() {
    assertThat(Bleu.bleu("completely different", "the cat is on the mat")).isEqualTo(0.0);
    assertThat(Bleu.bleu("", "the cat")).isEqualTo(0.0);
    assertThat(Bleu.bleu("the cat", "")).isEqualTo(0.0);
    // case-sensitive, as sacreBLEU by default
    assertThat(Bleu.bleu("THE CAT", "the cat")).isEqualTo(0.0);
  }

  @Test
  void gleuIsMatchesOverTheLargerNgramCount() {
    // matches 5 + 3 + 1 + 0 = 9 of 6 + 5 + 4 + 3 = 18 n-grams on both sides
    assertThat(Bleu.gleu("the cat sat on the mat", "the cat is on the mat"))
        .isCloseTo(0.5, within(EPS));
    // "the cat" (3 n-grams, all match) against 6 tokens (18 n-grams): min(P, R) = 3/18
    assertThat(Bleu.gleu("the cat", "the cat is on the mat")).isCloseTo(3.0 / 18, within(EPS));
    assertThat(Bleu.gleu("", "")).isEqualTo(0.0);
  }

  private static final String TARGET = "The quick brown fox jumps over the lazy dog";
  private static final String PREDICTION = "The quick brown dog jumps on the log.";

  @Test
  void rougeNIsTheF1OfClippedNgramOverlap() {
    // 8 predicted unigrams, 9 target; shared: the x2, quick, brown, dog, jumps = 6 -> 12/17
    assertThat(Rouge.rougeN(PREDICTION, TARGET, 1)).isCloseTo(12.0 / 17, within(EPS));
    // 7 and 8 bigrams, shared "the quick", "quick brown" -> 4/15
    assertThat(Rouge.rougeN(PREDICTION, TARGET, 2)).isCloseTo(4.0 / 15, within(EPS));
    // 6 and 7 trigrams, shared "the quick brown" -> 2/13
    assertThat(Rouge.rougeN(PREDICTION, TARGET, 3)).isCloseTo(2.0 / 13, within(EPS));
    assertThat(Rouge.rougeN(PREDICTION, TARGET, 4)).isEqualTo(0.0);
    assertThat(Rouge.rougeN("one two three", "one two three", 5)).isEqualTo(0.0);
    assertThat(Rouge.rougeN("", "", 1)).isEqualTo(0.0);
  }

  @Test
  void rougeLIsTheF1OfTheLongestCommonTokenSubsequence() {
    // LCS "the quick brown jumps the" = 5 of 8 and 9 tokens -> 10/17
    assertThat(Rouge.rougeL(PREDICTION, TARGET)).isCloseTo(10.0 / 17, within(EPS));
    assertThat(Rouge.rougeL("a b c", "c b a")).isCloseTo(1.0 / 3, within(EPS));
  }

  @Test
  void rougeTokensIgnoreCaseAndPunctuationAndKeepNonAsciiLetters() {
    assertThat(Rouge.tokenize("Café au LAIT, s'il-vous-plaît! 42"))
        .containsExactly("café", "au", "lait", "s", "il", "vous", "plaît", "42");
    assertThat(Rouge.rougeN("Café au lait", "café AU LAIT!", 1)).isEqualTo(1.0);
    assertThat(Rouge.rougeN("日本語 テキスト", "日本語", 1)).isCloseTo(2.0 / 3, within(EPS));
  }
}
