package dev.lathe.server.evals.graders;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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

  /**
   * The length of the longest common subsequence of {@code x} and {@code y}, by the bit-parallel
   * algorithm of Allison and Dix (1986) as written by Hyyrö (2004): bit i of V is 0 where a new LCS
   * length is reached at x[i]; for each y[j], with M the positions of y[j] in x, U = V & M and V =
   * (V + U) | (V & ~U); the LCS is the number of zero bits of V. O(|y| |x| / 64) time, O(|x|)
   * memory: two 10,000-character texts take about 1.6 million word operations instead of 100
   * million cell updates.
   */
  static int lcs(int[] x, int[] y) {
    if (x.length == 0 || y.length == 0) {
      return 0;
    }
    int words = (x.length + 63) >>> 6;
    Map<Integer, long[]> positions = new HashMap<>();
    for (int i = 0; i < x.length; i++) {
      positions.computeIfAbsent(x[i], k -> new long[words])[i >>> 6] |= 1L << (i & 63);
    }
    long[] v = new long[words];
    Arrays.fill(v, -1L);
    for (int c : y) {
      long[] m = positions.get(c);
      if (m == null) {
        continue;
      }
      long carry = 0;
      for (int w = 0; w < words; w++) {
        long u = v[w] & m[w];
        long sum = v[w] + u;
        long withCarry = sum + carry;
        carry =
            Long.compareUnsigned(sum, v[w]) < 0 || Long.compareUnsigned(withCarry, sum) < 0 ? 1 : 0;
        v[w] = withCarry | (v[w] & ~u);
      }
    }
    int ones = 0;
    for (int w = 0; w < words; w++) {
      long bits = v[w];
      int valid = Math.min(64, x.length - (w << 6));
      if (valid < 64) {
        bits &= (1L << valid) - 1;
      }
      ones += Long.bitCount(bits);
    }
    return x.length - ones;
  }
}
