package dev.lathe.tokenizer.tools;

import java.util.function.IntPredicate;

/**
 * Where streamed text stops being certain: a suffix that could be the beginning of a marker (e.g.
 * {@code "<tool"} of {@code "<tool_call>"}), together with the whitespace before it, waits for more
 * text.
 */
final class Holdback {
  private Holdback() {}

  /**
   * The end of the certain part of {@code text[from..]}: before the longest suffix that is a proper
   * prefix of {@code marker} starting where {@code allowedAt} allows a marker, and before the
   * whitespace preceding it (or trailing the text).
   */
  static int certainEnd(String text, int from, String marker, IntPredicate allowedAt) {
    int end = text.length();
    for (int m = Math.min(marker.length() - 1, text.length() - from); m >= 1; m--) {
      int at = text.length() - m;
      if (text.startsWith(marker.substring(0, m), at) && allowedAt.test(at)) {
        end = at;
        break;
      }
    }
    while (end > from && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  /** The index of the first {@code marker} at or after {@code from} that {@code allowedAt}. */
  static int find(String text, String marker, int from, IntPredicate allowedAt) {
    int at = text.indexOf(marker, from);
    while (at >= 0 && !allowedAt.test(at)) {
      at = text.indexOf(marker, at + 1);
    }
    return at;
  }

  /** Any position. */
  static boolean anywhere(int index) {
    return true;
  }
}
