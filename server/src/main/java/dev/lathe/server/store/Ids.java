package dev.lathe.server.store;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * OpenAI-shaped object ids ({@code file-} + 24 alphanumerics and the like) from injected
 * randomness.
 */
public final class Ids {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private final RandomGenerator random;

  public Ids(RandomGenerator random) {
    this.random = random;
  }

  /** Ids from a {@link SecureRandom}. */
  public static Ids secure() {
    return new Ids(new SecureRandom());
  }

  /**
   * {@code prefix} followed by {@code length} random letters and digits, each uniform over the 62:
   * a character is six random bits, drawn again when they exceed 61, ten to a {@code long} (one
   * call to a secure generator per ten characters, not one per character: ids are made for every
   * request).
   */
  public String next(String prefix, int length) {
    StringBuilder id = new StringBuilder(prefix.length() + length).append(prefix);
    long bits = 0;
    int left = 0;
    while (id.length() < prefix.length() + length) {
      if (left == 0) {
        bits = nextLong();
        left = 10;
      }
      int c = (int) (bits & 63);
      bits >>>= 6;
      left--;
      if (c < ALPHABET.length()) {
        id.append(ALPHABET.charAt(c));
      }
    }
    return id.toString();
  }

  private synchronized long nextLong() {
    return random.nextLong();
  }
}
