package dev.lathe.dataset.build;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Drops examples whose text repeats an earlier one's, exactly or nearly, by their normalised text:
 * every string value of the example (message contents, prompt, completion) joined, Unicode NFKC,
 * lower-cased, every run of characters other than letters and digits made one space. So "Hello,
 * World!" and "hello world" are exact duplicates.
 *
 * <p>Near duplicates (optional, a Jaccard threshold in (0, 1]): MinHash over the character
 * 5-shingles of that text (characters rather than words so that scripts written without spaces,
 * such as Thai, work too), {@value #HASHES} hash functions, locality-sensitive hashing in {@value
 * #BANDS} bands of {@value #ROWS}; an example is a near duplicate when an earlier kept example
 * shares a band and their signatures agree on at least the threshold's share of the hashes.
 *
 * <p>Memory: 16 bytes of hash per distinct example kept (plus the hash table's overhead), and for
 * near duplicates its signature ({@value #HASHES} ints) and one band entry per band; never the
 * examples themselves.
 */
public final class Deduplicator {

  /** What became of an example. */
  public enum Verdict {
    KEPT,
    EXACT_DUPLICATE,
    NEAR_DUPLICATE
  }

  static final int HASHES = 32;
  static final int BANDS = 8;
  static final int ROWS = HASHES / BANDS;
  private static final int SHINGLE = 5;

  private final double nearThreshold;
  private final Set<Key> seen = new HashSet<>();
  private final Map<Long, Integer> bands = new HashMap<>();
  private int[] signatures = new int[0];
  private int kept;

  private record Key(long high, long low) {}

  /**
   * A deduplicator; {@code nearThreshold} in (0, 1] also drops near duplicates at that estimated
   * Jaccard similarity, 0 drops exact duplicates only.
   */
  public Deduplicator(double nearThreshold) {
    if (!(nearThreshold >= 0 && nearThreshold <= 1)) {
      throw new IllegalArgumentException(
          "the near-duplicate threshold is a similarity in (0, 1], or 0 for off; got "
              + nearThreshold);
    }
    this.nearThreshold = nearThreshold;
  }

  /** Whether {@code example} is new (and is then remembered) or repeats an earlier one. */
  public Verdict check(JsonNode example) {
    String text = normalise(example);
    if (!seen.add(digest(text))) {
      return Verdict.EXACT_DUPLICATE;
    }
    if (nearThreshold > 0) {
      int[] signature = signature(text);
      if (nearMatch(signature)) {
        return Verdict.NEAR_DUPLICATE;
      }
      remember(signature);
    }
    return Verdict.KEPT;
  }

  /** The normalised text of an example, as compared here. */
  public static String normalise(JsonNode example) {
    StringBuilder all = new StringBuilder();
    collect(example, all);
    String folded = Normalizer.normalize(all, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    StringBuilder out = new StringBuilder(folded.length());
    boolean space = false;
    for (int i = 0; i < folded.length(); ) {
      int c = folded.codePointAt(i);
      i += Character.charCount(c);
      if (Character.isLetterOrDigit(c)
          || Character.getType(c) == Character.NON_SPACING_MARK
          || Character.getType(c) == Character.COMBINING_SPACING_MARK) {
        if (space && !out.isEmpty()) {
          out.append(' ');
        }
        space = false;
        out.appendCodePoint(c);
      } else {
        space = true;
      }
    }
    return out.toString();
  }

  private static void collect(JsonNode node, StringBuilder out) {
    if (node.isTextual()) {
      out.append(node.asText()).append('\n');
    } else if (node.isContainerNode()) {
      for (JsonNode child : node) {
        collect(child, out);
      }
    }
  }

  private boolean nearMatch(int[] signature) {
    for (int band = 0; band < BANDS; band++) {
      Integer other = bands.get(bandKey(signature, band));
      if (other != null && similarity(signature, other) >= nearThreshold) {
        return true;
      }
    }
    return false;
  }

  private double similarity(int[] signature, int other) {
    int same = 0;
    for (int i = 0; i < HASHES; i++) {
      if (signatures[other * HASHES + i] == signature[i]) {
        same++;
      }
    }
    return same / (double) HASHES;
  }

  private void remember(int[] signature) {
    if ((kept + 1) * HASHES > signatures.length) {
      signatures = Arrays.copyOf(signatures, Math.max(HASHES * 64, signatures.length * 2));
    }
    System.arraycopy(signature, 0, signatures, kept * HASHES, HASHES);
    for (int band = 0; band < BANDS; band++) {
      bands.putIfAbsent(bandKey(signature, band), kept);
    }
    kept++;
  }

  private static long bandKey(int[] signature, int band) {
    long h = band * 0x9E3779B97F4A7C15L;
    for (int r = 0; r < ROWS; r++) {
      h = mix(h ^ signature[band * ROWS + r]);
    }
    return h;
  }

  static int[] signature(String text) {
    int[] min = new int[HASHES];
    Arrays.fill(min, Integer.MAX_VALUE);
    int n = text.length();
    int shingles = Math.max(1, n - SHINGLE + 1);
    for (int s = 0; s < shingles; s++) {
      long h = 0x2545F4914F6CDD1DL;
      for (int i = s; i < Math.min(n, s + SHINGLE); i++) {
        h = (h ^ text.charAt(i)) * 0x100000001B3L;
      }
      h = mix(h);
      for (int k = 0; k < HASHES; k++) {
        int v = (int) (mix(h + k * 0x9E3779B97F4A7C15L) >>> 33);
        if (v < min[k]) {
          min[k] = v;
        }
      }
    }
    return min;
  }

  /** SplitMix64's finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static Key digest(String text) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      ByteBuffer b = ByteBuffer.wrap(d);
      return new Key(b.getLong(), b.getLong());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
