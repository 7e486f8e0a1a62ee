package dev.lathe.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods for Jinja expressions such as {@code message.content.strip()} or
 * {@code content.split('</think>')[-1]}, which Hugging Face chat templates use because Jinja runs
 * in Python. Only the methods listed in {@link #invoke} exist; any other method called on a string
 * (including Java's own, e.g. {@code startsWith}) is an error naming it, so that a template never
 * silently renders wrong. Indexing a string ({@code s[0]}, {@code s[-1]}) gives a one-character
 * string, as in Python.
 */
final class PythonStringMethods extends ELResolver {

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    context.setPropertyResolved(true);
    Object[] args = params == null ? new Object[0] : params;
    String name = method.toString();
    return switch (name) {
      case "strip" -> rstrip(lstrip(s, chars(name, args)), chars(name, args));
      case "lstrip" -> lstrip(s, chars(name, args));
      case "rstrip" -> rstrip(s, chars(name, args));
      case "startswith" -> anyAffix(name, s, args, true);
      case "endswith" -> anyAffix(name, s, args, false);
      case "split" -> split(s, args);
      case "splitlines" -> splitLines(s);
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(Locale.ROOT)
                  + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> replace(s, args);
      case "find" -> (long) s.indexOf(string(name, args, 0));
      case "count" -> (long) count(s, string(name, args, 0));
      case "join" -> join(s, args);
      case "isspace" -> !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
      case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
      default ->
          throw new ELException(
              "str."
                  + name
                  + "() is not supported by this chat template renderer (supported: strip, lstrip,"
                  + " rstrip, startswith, endswith, split, splitlines, upper, lower, title,"
                  + " capitalize, replace, find, count, join, isspace, isdigit)");
    };
  }

  private static String chars(String method, Object[] args) {
    if (args.length == 0 || args[0] == null) {
      return null;
    }
    return string(method, args, 0);
  }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && strippable(s.charAt(i), chars)) {
      i++;
    }
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int end = s.length();
    while (end > 0 && strippable(s.charAt(end - 1), chars)) {
      end--;
    }
    return s.substring(0, end);
  }

  private static boolean strippable(char c, String chars) {
    return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
  }

  private static boolean anyAffix(String method, String s, Object[] args, boolean prefix) {
    if (args.length != 1) {
      throw new ELException("str." + method + "() takes one argument here, got " + args.length);
    }
    List<?> options = args[0] instanceof List<?> list ? list : List.of(string(method, args, 0));
    for (Object o : options) {
      String affix = String.valueOf(o);
      if (prefix ? s.startsWith(affix) : s.endsWith(affix)) {
        return true;
      }
    }
    return false;
  }

  /** Python's split: by whitespace runs without a separator, else by the literal separator. */
  private static List<String> split(String s, Object[] args) {
    String sep = args.length > 0 && args[0] != null ? string("split", args, 0) : null;
    long maxSplit = args.length > 1 ? ((Number) args[1]).longValue() : -1;
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      while (i < s.length()) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
          i++;
        }
        if (i == s.length()) {
          break;
        }
        if (maxSplit >= 0 && parts.size() == maxSplit) {
          parts.add(rstrip(s.substring(i), null));
          return parts;
        }
        int j = i;
        while (j < s.length() && !Character.isWhitespace(s.charAt(j))) {
          j++;
        }
        parts.add(s.substring(i, j));
        i = j;
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new ELException("str.split(): empty separator");
    }
    int from = 0;
    while (maxSplit < 0 || parts.size() < maxSplit) {
      int at = s.indexOf(sep, from);
      if (at < 0) {
        break;
      }
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  /** Python's splitlines(): no empty last element for a trailing line break. */
  private static List<String> splitLines(String s) {
    List<String> parts = new ArrayList<>(List.of(s.split("\r\n|\r|\n", -1)));
    if (!parts.isEmpty() && parts.get(parts.size() - 1).isEmpty()) {
      parts.remove(parts.size() - 1);
    }
    return parts;
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (char c : s.toCharArray()) {
      out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }

  private static String replace(String s, Object[] args) {
    String from = string("replace", args, 0);
    String to = string("replace", args, 1);
    if (args.length < 3) {
      return s.replace(from, to);
    }
    long n = ((Number) args[2]).longValue();
    String out = s;
    int at = 0;
    for (long k = 0; k < n || n < 0; k++) {
      int i = out.indexOf(from, at);
      if (i < 0) {
        break;
      }
      out = out.substring(0, i) + to + out.substring(i + from.length());
      at = i + to.length();
    }
    return out;
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1;
    }
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
      n++;
    }
    return n;
  }

  private static String join(String separator, Object[] args) {
    if (args.length != 1 || !(args[0] instanceof Iterable<?> items)) {
      throw new ELException("str.join() needs one list argument");
    }
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object item : items) {
      if (!first) {
        out.append(separator);
      }
      out.append(item);
      first = false;
    }
    return out.toString();
  }

  private static String string(String method, Object[] args, int index) {
    if (args.length <= index || !(args[index] instanceof String s)) {
      throw new ELException("str." + method + "(): argument " + (index + 1) + " must be a string");
    }
    return s;
  }

  /** {@code s[i]}: the character at a Python index (negative counts from the end). */
  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    if (!(base instanceof String s) || property == null) {
      return null;
    }
    int index;
    try {
      index = Integer.parseInt(property.toString());
    } catch (NumberFormatException e) {
      return null;
    }
    int at = index < 0 ? s.length() + index : index;
    if (at < 0 || at >= s.length()) {
      throw new ELException(
          "string index " + index + " out of range for a string of length " + s.length());
    }
    context.setPropertyResolved(true);
    return String.valueOf(s.charAt(at));
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
