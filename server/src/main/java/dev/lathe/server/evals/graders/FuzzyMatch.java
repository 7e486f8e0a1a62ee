package dev.lathe.server.evals.graders;

/**
 * The {@code fuzzy_match} metric: the normalized Indel similarity of two strings, the measure of
 * RapidFuzz's {@code fuzz.ratio} (divided by 100).
 *
 * <p>Definition: for strings a and b of |a| and |b| Unicode code points (not UTF-16 units), with
 * LCS(a, b) the length of their longest common subsequence, the Indel distance (insertions and
 * deletions only) is |a| + |b| - 2 LCS(a, b), and the score is 1 - distance / (|a| + |b|) = 2
 * LCS(a, b) / (|a| + |b|); two empty strings score 1. The comparison is case-sensitive and does not
 * normalize whitespace. Example: "kitten" and "sitting" share "ittn", so 2*4/13 = 0.615.
 */
final class FuzzyMatch {
  private FuzzyMatch() {}

  static double score(String a, String b) {
    int[] x = a.codePoints().toArray();
    int[] y = b.codePoints().toArray();
    if (x.length + y.length == 0) {
      return 1.0;
    }
    return 2.0 * lcs(x, y) / (x.length + y.length);
  }

  /** The length of the longest common subsequence, in O(|x| |y|) time and O(|y|) memory. */
  static int lcs(int[] x, int[] y) {
    int[] prev = new int[y.length + 1];
    int[] cur = new int[y.length + 1];
    for (int i = 1; i <= x.length; i++) {
      for (int j = 1; j <= y.length; j++) {
        cur[j] = x[i - 1] == y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length];
  }
}
