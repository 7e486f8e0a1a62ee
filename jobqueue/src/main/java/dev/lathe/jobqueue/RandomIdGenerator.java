package dev.lathe.jobqueue;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/** Ids as OpenAI makes them: the prefix and 24 random letters and digits. */
public final class RandomIdGenerator implements IdGenerator {

  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int LENGTH = 24;

  private final RandomGenerator random;

  /** Uses a {@link SecureRandom}. */
  public RandomIdGenerator() {
    this(new SecureRandom());
  }

  /** Uses the given source; it must be thread-safe if ids are made from several threads. */
  public RandomIdGenerator(RandomGenerator random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  @Override
  public String next(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.length() + LENGTH).append(prefix);
    for (int i = 0; i < LENGTH; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
