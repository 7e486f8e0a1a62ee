package dev.lathe.tokenizer.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * Llama 3.1+ JSON tool calls: the whole output is {@code {"name": "f", "parameters": {...}}}
 * ({@code arguments} is read too), optionally after {@code <|python_tag|>}, several separated by
 * {@code ;} or whitespace. Only an output that starts (after whitespace) with {@code
 * <|python_tag|>} or with an object whose first key is {@code "name"} is read as calls; anything
 * else is content. Text after the calls is dropped. Llama's built-in tools (Python after {@code
 * <|python_tag|>}) are not read: such an output has no call and is returned as content.
 */
final class LlamaJsonScanner implements CallScanner {
  static final String PYTHON_TAG = "<|python_tag|>";
  private static final String NAME_KEY = "\"name\"";

  @Override
  public Scan scan(String text, boolean finished) {
    int t = JsonCalls.skipWhitespace(text, 0, text.length());
    int from;
    if (text.startsWith(PYTHON_TAG, t)) {
      from = t + PYTHON_TAG.length();
    } else if (nameObjectAt(text, t, true)) {
      from = t;
    } else if (!finished && nameObjectAt(text, t, false)) {
      return new Scan("", List.of());
    } else {
      return new Scan(
          finished ? text : text.substring(0, Holdback.certainEnd(text, 0, "", Holdback::anywhere)),
          List.of());
    }
    List<Scan.PartialCall> calls = new ArrayList<>();
    int i = from;
    while (true) {
      while (i < text.length()
          && (Character.isWhitespace(text.charAt(i)) || text.charAt(i) == ';')) {
        i++;
      }
      if (i >= text.length() || text.charAt(i) != '{') {
        break;
      }
      JsonCalls.Read read = JsonCalls.object(text, i, text.length(), finished);
      calls.addAll(read.calls());
      if (read.end() < 0) {
        break;
      }
      i = read.end();
    }
    return new Scan("", calls);
  }

  /**
   * Whether {@code text[t..]} is an object whose first key is "name" ({@code whole}), or could
   * still become one or the python tag (not {@code whole}: a prefix of either).
   */
  private static boolean nameObjectAt(String text, int t, boolean whole) {
    String rest = text.substring(t);
    if (!whole && (rest.isEmpty() || PYTHON_TAG.startsWith(rest))) {
      return true;
    }
    if (!rest.startsWith("{")) {
      return false;
    }
    String key = rest.substring(JsonCalls.skipWhitespace(rest, 1, rest.length()));
    return whole ? key.startsWith(NAME_KEY) : NAME_KEY.startsWith(key);
  }
}
