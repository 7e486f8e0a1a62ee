package dev.lathe.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face defines it for chat templates: Python's {@code
 * json.dumps(value, ensure_ascii=False)} with the default separators {@code ", "} and {@code ": "},
 * keys in insertion order, no HTML escaping; {@code tojson(indent=n)} pretty-prints like Python.
 */
final class PythonJson implements Filter {

  @Override
  public String getName() {
    return "tojson";
  }

  @Override
  public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
    throw new UnsupportedOperationException("called with named arguments only");
  }

  @Override
  public Object filter(
      Object value, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
    Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
    for (String key : kwargs.keySet()) {
      if (!key.equals("indent") && !key.equals("ensure_ascii")) {
        throw new IllegalArgumentException("tojson(" + key + "=...) is not supported");
      }
    }
    StringBuilder out = new StringBuilder();
    write(value, indent == null ? -1 : ((Number) indent).intValue(), 0, out);
    return out.toString();
  }

  /** {@code value} as Python's json.dumps writes it. */
  static String dumps(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, -1, 0, out);
    return out.toString();
  }

  private static void write(Object value, int indent, int depth, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      writeString(s, out);
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Integer
        || value instanceof Long
        || value instanceof Short
        || value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof Number n) {
      out.append(pythonFloat(n));
    } else if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.append(first ? "" : ",");
        newline(indent, depth + 1, out);
        first = false;
        writeString(String.valueOf(e.getKey()), out);
        out.append(": ");
        write(e.getValue(), indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out.append('}');
    } else if (value instanceof Iterable<?> items) {
      if (!items.iterator().hasNext()) {
        out.append("[]");
        return;
      }
      out.append('[');
      boolean first = true;
      for (Object item : items) {
        out.append(first ? "" : ",");
        newline(indent, depth + 1, out);
        first = false;
        write(item, indent, depth + 1, out);
      }
      newline(indent, depth, out);
      out.append(']');
    } else {
      throw new IllegalArgumentException(
          "tojson: cannot serialize a " + value.getClass().getSimpleName() + " (" + value + ")");
    }
  }

  private static void newline(int indent, int depth, StringBuilder out) {
    if (indent < 0) {
      if (out.charAt(out.length() - 1) == ',') {
        out.append(' ');
      }
      return;
    }
    out.append('\n').append(" ".repeat(indent * depth));
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Python's repr of a float: "1.0", "0.1", "1e-05", "1e+20". */
  private static String pythonFloat(Number n) {
    double d = n.doubleValue();
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(Double.toString(d));
    double abs = Math.abs(d);
    if (abs != 0 && (abs < 1e-4 || abs >= 1e16)) {
      String digits = exact.unscaledValue().abs().toString().replaceAll("0+$", "");
      int exponent = exact.precision() - exact.scale() - 1;
      String mantissa =
          digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String sign = d < 0 ? "-" : "";
      return sign
          + mantissa
          + "e"
          + (exponent < 0 ? "-" : "+")
          + String.format("%02d", Math.abs(exponent));
    }
    String plain = exact.stripTrailingZeros().toPlainString();
    return plain.contains(".") ? plain : plain + ".0";
  }
}
