package dev.lathe.server;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * OpenAI-shaped object ids ({@code file-} + 24 alphanumerics and the like) from injected
 * randomness.
 */
final class Ids {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private final RandomGenerator random;

  Ids(RandomGenerator random) {
    this.random = random;
  }

  /** Ids from a {@link SecureRandom}. */
  static Ids secure() {
    return new Ids(new SecureRandom());
  }

  /** {@code prefix} followed by {@code length} random letters and digits. */
  synchronized String next(String prefix, int length) {
    StringBuilder id = new StringBuilder(prefix);
    for (int i = 0; i < length; i++) {
      id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }
}
