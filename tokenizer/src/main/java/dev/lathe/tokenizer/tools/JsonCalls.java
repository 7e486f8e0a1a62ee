package dev.lathe.tokenizer.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads calls written as JSON objects, {@code {"name": "f", "arguments": {...}}} ({@code
 * parameters} is read as {@code arguments}, other keys are ignored), alone or in an array, from
 * possibly unfinished text, without parsing the arguments: their text is taken as written, so that
 * invalid JSON is returned as is and a value still being written is a growing prefix.
 */
final class JsonCalls {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ARGUMENT_KEYS = Set.of("arguments", "parameters");

  private JsonCalls() {}

  /**
   * Calls read from {@code text[from, to)}, and where they end.
   *
   * @param end the index after the last complete value read, or -1 when it is not finished
   */
  record Read(List<Scan.PartialCall> calls, int end) {}

  /**
   * An object, or an array of objects, starting at {@code from} (after whitespace). {@code
   * complete}: no more text will come, so what is unfinished is final.
   */
  static Read calls(String text, int from, int to, boolean complete) {
    int i = skipWhitespace(text, from, to);
    if (i >= to) {
      return new Read(List.of(), -1);
    }
    if (text.charAt(i) != '[') {
      return object(text, i, to, complete);
    }
    List<Scan.PartialCall> calls = new ArrayList<>();
    i++;
    while (true) {
      i = skipWhitespace(text, i, to);
      if (i >= to) {
        return new Read(calls, -1);
      }
      char c = text.charAt(i);
      if (c == ']') {
        return new Read(calls, i + 1);
      }
      if (c == ',') {
        i++;
        continue;
      }
      Read one = object(text, i, to, complete);
      calls.addAll(one.calls());
      if (one.end() < 0) {
        return new Read(calls, -1);
      }
      i = one.end();
    }
  }

  /** One call object at {@code from}; a value that is not an object is a malformed call. */
  static Read object(String text, int from, int to, boolean complete) {
    String name = null;
    int argsStart = -1;
    int argsEnd = -1;
    int i = from;
    if (text.charAt(i) != '{') {
      return malformed();
    }
    i++;
    while (true) {
      i = skipWhitespace(text, i, to);
      if (i >= to) {
        break;
      }
      char c = text.charAt(i);
      if (c == '}') {
        return new Read(List.of(call(text, name, argsStart, argsEnd, true)), i + 1);
      }
      if (c == ',') {
        i++;
        continue;
      }
      if (c != '"') {
        return malformed();
      }
      int keyEnd = stringEnd(text, i, to);
      if (keyEnd < 0) {
        break;
      }
      String key = string(text, i, keyEnd);
      i = skipWhitespace(text, keyEnd, to);
      if (i >= to) {
        break;
      }
      if (text.charAt(i) != ':') {
        return malformed();
      }
      i = skipWhitespace(text, i + 1, to);
      if (i >= to) {
        break;
      }
      int valueEnd = valueEnd(text, i, to, complete);
      if (key.equals("name") && valueEnd >= 0) {
        name = text.charAt(i) == '"' ? string(text, i, valueEnd) : text.substring(i, valueEnd);
      } else if (ARGUMENT_KEYS.contains(key) && argsStart < 0) {
        argsStart = i;
        argsEnd = valueEnd < 0 ? to : valueEnd;
      }
      if (valueEnd < 0) {
        break;
      }
      i = valueEnd;
    }
    // the object is not closed within the text
    return new Read(List.of(call(text, name, argsStart, argsEnd, complete)), -1);
  }

  private static Scan.PartialCall call(
      String text, String name, int argsStart, int argsEnd, boolean complete) {
    String arguments = argsStart < 0 ? (complete ? "{}" : "") : text.substring(argsStart, argsEnd);
    return new Scan.PartialCall(name == null || name.isEmpty() ? null : name, arguments, complete);
  }

  private static Read malformed() {
    return new Read(List.of(new Scan.PartialCall(null, "", true)), -1);
  }

  static int skipWhitespace(String text, int i, int to) {
    while (i < to && Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The index after the string starting at {@code text[i] == '"'}, or -1 if not closed. */
  static int stringEnd(String text, int i, int to) {
    for (int j = i + 1; j < to; j++) {
      char c = text.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '"') {
        return j + 1;
      }
    }
    return -1;
  }

  /**
   * The index after the JSON value starting at {@code i}, or -1 when it runs to {@code to}
   * unfinished. A number or literal reaching {@code to} is finished only when {@code complete}.
   */
  static int valueEnd(String text, int i, int to, boolean complete) {
    char first = text.charAt(i);
    if (first == '"') {
      return stringEnd(text, i, to);
    }
    if (first == '{' || first == '[') {
      int depth = 0;
      for (int j = i; j < to; j++) {
        char c = text.charAt(j);
        if (c == '"') {
          j = stringEnd(text, j, to);
          if (j < 0) {
            return -1;
          }
          j--;
        } else if (c == '{' || c == '[') {
          depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
          return j + 1;
        }
      }
      return -1;
    }
    int j = i;
    while (j < to && ",}] \t\r\n".indexOf(text.charAt(j)) < 0) {
      j++;
    }
    return j == to && !complete ? -1 : j;
  }

  /** The JSON string {@code text[start, end)} decoded; as written between quotes if invalid. */
  private static String string(String text, int start, int end) {
    try {
      return JSON.readValue(text.substring(start, end), String.class);
    } catch (JsonProcessingException e) {
      return text.substring(start + 1, end - 1);
    }
  }
}
