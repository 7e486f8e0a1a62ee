package dev.lathe.tokenizer.tools;

import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/** Tool-call ids as OpenAI writes them: {@code call_} and 24 letters and digits. */
public final class ToolCallIds {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int LENGTH = 24;

  private ToolCallIds() {}

  /** Ids drawn from {@code random} (inject a seeded one in tests, a secure one in a server). */
  public static Supplier<String> from(RandomGenerator random) {
    return () -> {
      char[] id = new char[LENGTH];
      synchronized (random) {
        for (int i = 0; i < LENGTH; i++) {
          id[i] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        }
      }
      return "call_" + new String(id);
    };
  }
}
