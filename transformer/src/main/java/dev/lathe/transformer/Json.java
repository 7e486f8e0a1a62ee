package dev.lathe.transformer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The small JSON reader and writer the weight formats need (config.json, safetensors headers):
 * objects become {@code Map<String,Object>} in file order, arrays {@code List<Object>}, numbers
 * {@code Long} when integral and {@code Double} otherwise. The engine depends on the JDK only, so
 * it carries its own.
 */
final class Json {
  private final String s;
  private final String source;
  private int i;

  private Json(String s, String source) {
    this.s = s;
    this.source = source;
  }

  /** Parses {@code text}; {@code source} names it in error messages. */
  static Object parse(String text, String source) {
    Json p = new Json(text, source);
    p.skip();
    Object v = p.value();
    p.skip();
    if (p.i != text.length()) {
      throw p.error("unexpected text after the JSON value");
    }
    return v;
  }

  /** Parses {@code text}, which must hold an object. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parseObject(String text, String source) {
    Object v = parse(text, source);
    if (!(v instanceof Map)) {
      throw new IllegalArgumentException(source + ": expected a JSON object at the top level");
    }
    return (Map<String, Object>) v;
  }

  private Object value() {
    if (i >= s.length()) {
      throw error("unexpected end of input");
    }
    char c = s.charAt(i);
    return switch (c) {
      case '{' -> object();
      case '[' -> array();
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", null);
      default -> number();
    };
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    i++;
    skip();
    if (peek() == '}') {
      i++;
      return m;
    }
    while (true) {
      skip();
      if (peek() != '"') {
        throw error("expected a quoted key");
      }
      String key = string();
      skip();
      expect(':');
      skip();
      m.put(key, value());
      skip();
      char c = peek();
      if (c != ',' && c != '}') {
        throw error("expected ',' or '}' in an object");
      }
      i++;
      if (c == '}') {
        return m;
      }
    }
  }

  private List<Object> array() {
    List<Object> a = new ArrayList<>();
    i++;
    skip();
    if (peek() == ']') {
      i++;
      return a;
    }
    while (true) {
      skip();
      a.add(value());
      skip();
      char c = peek();
      if (c != ',' && c != ']') {
        throw error("expected ',' or ']' in an array");
      }
      i++;
      if (c == ']') {
        return a;
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (i + 4 > s.length()) {
            throw error("truncated \\u escape");
          }
          b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
          i += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Object number() {
    int start = i;
    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
      i++;
    }
    String t = s.substring(start, i);
    if (t.isEmpty()) {
      throw error("unexpected character '" + s.charAt(start) + "'");
    }
    try {
      if (t.contains(".") || t.contains("e") || t.contains("E")) {
        return Double.parseDouble(t);
      }
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw error("bad number '" + t + "'");
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, i)) {
      throw error("unexpected token");
    }
    i += word.length();
    return v;
  }

  private void skip() {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
  }

  private char peek() {
    if (i >= s.length()) {
      throw error("unexpected end of input");
    }
    return s.charAt(i);
  }

  private char next() {
    char c = peek();
    i++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected '" + c + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(source + ": invalid JSON at character " + i + ": " + what);
  }

  /** Writes maps, lists, strings, numbers, booleans and null as JSON text. */
  static String write(Object v) {
    StringBuilder b = new StringBuilder();
    write(b, v);
    return b.toString();
  }

  private static void write(StringBuilder b, Object v) {
    switch (v) {
      case null -> b.append("null");
      case String str -> quote(b, str);
      case Boolean bool -> b.append(bool);
      case Float f -> b.append(Double.parseDouble(Float.toString(f)));
      case Number n -> b.append(n);
      case Map<?, ?> m -> {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) {
            b.append(", ");
          }
          first = false;
          quote(b, e.getKey().toString());
          b.append(": ");
          write(b, e.getValue());
        }
        b.append('}');
      }
      case List<?> l -> {
        b.append('[');
        for (int k = 0; k < l.size(); k++) {
          if (k > 0) {
            b.append(", ");
          }
          write(b, l.get(k));
        }
        b.append(']');
      }
      default -> throw new IllegalArgumentException("cannot write " + v.getClass() + " as JSON");
    }
  }

  private static void quote(StringBuilder b, String str) {
    b.append('"');
    for (int k = 0; k < str.length(); k++) {
      char c = str.charAt(k);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
