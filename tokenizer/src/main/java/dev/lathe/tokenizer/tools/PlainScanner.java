package dev.lathe.tokenizer.tools;

import dev.lathe.tokenizer.PlainToolText;
import java.util.ArrayList;
import java.util.List;

/**
 * Lathe's plain format ({@link dev.lathe.tokenizer.ChatTemplate#PLAIN_SOURCE}): each call is a line
 * {@code <call> NAME ARGUMENTS}, the marker at the start of a line (spaces before it allowed), the
 * name up to the first space, the arguments the rest of the line, unescaped with {@link
 * PlainToolText}. Content is the text before the first call line; later lines that are not calls
 * are dropped.
 */
final class PlainScanner implements CallScanner {
  static final String MARKER = "<call> ";

  @Override
  public Scan scan(String text, boolean finished) {
    int first = Holdback.find(text, MARKER, 0, at -> lineStart(text, at));
    if (first < 0) {
      return new Scan(
          finished
              ? text
              : text.substring(0, Holdback.certainEnd(text, 0, MARKER, at -> lineStart(text, at))),
          List.of());
    }
    List<Scan.PartialCall> calls = new ArrayList<>();
    int at = first;
    while (at >= 0) {
      int start = at + MARKER.length();
      int newline = text.indexOf('\n', start);
      boolean done = newline >= 0 || finished;
      String line = text.substring(start, newline >= 0 ? newline : text.length());
      int space = line.indexOf(' ');
      String name = space >= 0 ? line.substring(0, space) : done ? line : null;
      String raw = space >= 0 ? line.substring(space + 1) : "";
      String arguments =
          done
              ? (raw.isEmpty() ? "{}" : PlainToolText.unescape(raw))
              : PlainToolText.unescape(raw.substring(0, PlainToolText.completeLength(raw)));
      calls.add(
          new Scan.PartialCall(name == null || name.isEmpty() ? null : name, arguments, done));
      at = newline < 0 ? -1 : Holdback.find(text, MARKER, newline + 1, i -> lineStart(text, i));
    }
    return new Scan(text.substring(0, first).stripTrailing(), calls);
  }

  /** Whether only spaces or tabs stand between the last newline (or the start) and {@code at}. */
  private static boolean lineStart(String text, int at) {
    for (int i = at - 1; i >= 0; i--) {
      char c = text.charAt(i);
      if (c == '\n') {
        return true;
      }
      if (c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }
}
