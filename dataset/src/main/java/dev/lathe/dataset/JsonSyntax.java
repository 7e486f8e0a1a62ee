package dev.lathe.dataset;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;

/** Byte-level facts about one line of JSON text, and Jackson's errors made readable. */
final class JsonSyntax {
  private JsonSyntax() {}

  /** The index of the first byte that is not JSON whitespace, or -1 for a blank slice. */
  static int firstNonSpace(byte[] b, int off, int len) {
    for (int i = off; i < off + len; i++) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return i;
      }
    }
    return -1;
  }

  /** The index after the last byte that is not JSON whitespace ({@code off} for a blank slice). */
  static int endOfContent(byte[] b, int off, int len) {
    int i = off + len;
    while (i > off && (b[i - 1] == ' ' || b[i - 1] == '\t' || b[i - 1] == '\r')) {
      i--;
    }
    return i;
  }

  /**
   * How many more {@code {}/[} the slice opens than it closes, outside strings. Strings cannot span
   * lines in JSON, so each line can be scanned on its own.
   */
  static int netDepth(byte[] b, int off, int len) {
    int depth = 0;
    boolean inString = false;
    for (int i = off; i < off + len; i++) {
      byte c = b[i];
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return depth;
  }

  /** Whether Jackson stopped because the input ended inside a value. */
  static boolean endedEarly(JsonProcessingException e) {
    return e instanceof JsonEOFException;
  }

  /** The 1-based column Jackson points at, or null when it does not know. */
  static Integer column(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    return at == null || at.getColumnNr() < 1 ? null : at.getColumnNr();
  }

  /** What is wrong with the line, in words, with how to fix it. */
  static String explain(JsonProcessingException e) {
    String raw = e.getOriginalMessage();
    if (raw == null) {
      raw = e.getClass().getSimpleName();
    }
    if (endedEarly(e)) {
      return "The line ends before its JSON value is complete (an unclosed {, [ or string); each"
          + " example must be one whole JSON object on one line.";
    }
    if (raw.startsWith("Trailing token")) {
      return "There is more text after the JSON object (two objects on one line?); put each"
          + " example on its own line.";
    }
    String first = raw.lines().findFirst().orElse(raw);
    String hint;
    if (first.contains("(code 39)")) {
      hint = " JSON strings and keys need double quotes (\"), not single quotes.";
    } else if (first.contains("CTRL-CHAR")) {
      hint = " Escape tabs and line breaks inside strings as \\t and \\n.";
    } else if (first.contains("was expecting double-quote to start field name")) {
      hint = " Keys must be double-quoted strings; remove trailing commas before } or ].";
    } else if (first.contains("Unrecognized token")) {
      hint = " Values must be JSON: strings in double quotes, numbers, true, false or null.";
    } else {
      hint = " Check the line with a JSON validator; each line must be one JSON object.";
    }
    return "Invalid JSON: " + first + "." + hint;
  }
}
