package dev.lathe.server.preview;

import dev.lathe.tokenizer.HfTokenizer;
import java.util.Arrays;

/**
 * The text each token of a sequence contributes, for showing tokens one by one: token {@code t}'s
 * piece is what decoding the few tokens before it and {@code t} adds to decoding those before it
 * alone, so a SentencePiece word's leading space is kept, and a character split over several byte
 * tokens appears whole on the token that completes it (the earlier ones show nothing). Decoding one
 * token on its own loses both.
 */
final class TokenPieces {
  /** Tokens of context decoded before each token. */
  static final int CONTEXT = 4;

  private TokenPieces() {}

  static String[] of(HfTokenizer tokenizer, int[] ids) {
    String[] pieces = new String[ids.length];
    for (int t = 0; t < ids.length; t++) {
      int from = Math.max(0, t - CONTEXT);
      String before = complete(tokenizer.decode(Arrays.copyOfRange(ids, from, t)));
      String with = complete(tokenizer.decode(Arrays.copyOfRange(ids, from, t + 1)));
      pieces[t] =
          with.startsWith(before)
              ? with.substring(before.length())
              : tokenizer.decode(new int[] {ids[t]});
    }
    return pieces;
  }

  /** {@code text} without the replacement characters an unfinished UTF-8 sequence ends it with. */
  private static String complete(String text) {
    int end = text.length();
    while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
      end--;
    }
    return text.substring(0, end);
  }
}
