package dev.lathe.tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites the few Python-Jinja expressions that jinjava parses differently, before jinjava sees
 * the template. Line breaks are never added or removed, so line numbers stay those of the source.
 *
 * <ul>
 *   <li>{@code x[::-1]} (reverse slice) becomes {@code (x|reverse|list)}; other slice steps are
 *       rejected with an error naming the line.
 *   <li>The operand of {@code not} is parenthesized: {@code not x is defined} becomes {@code not (x
 *       is defined)}, Jinja's reading, where jinjava would read {@code (not x) is defined}.
 *   <li>A keyword argument's value is parenthesized, {@code f(a=b|length - 1)} becomes {@code
 *       f(a=(b|length - 1))}: jinjava would otherwise bind the {@code - 1} to the argument node
 *       rather than to the value.
 * </ul>
 */
final class JinjaSyntaxAdapter {
  private JinjaSyntaxAdapter() {}

  static String adapt(String source, String templateName) {
    StringBuilder out = new StringBuilder(source.length() + 64);
    Deque<String> blocks = new ArrayDeque<>();
    int i = 0;
    while (i < source.length()) {
      int open = nextTag(source, i);
      if (open < 0) {
        out.append(source, i, source.length());
        break;
      }
      out.append(source, i, open);
      char kind = source.charAt(open + 1);
      String closer = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
      int close = findCloser(source, open + 2, closer, kind != '#');
      if (close < 0) {
        throw error(source, templateName, open, "unclosed {" + kind + " tag");
      }
      String body = source.substring(open + 2, close);
      if (kind == '%') {
        trackBlock(body, blocks, source, templateName, open);
      }
      if (kind == '#' || isMacroDefinition(body)) {
        out.append(source, open, close + 2);
      } else {
        out.append(source, open, open + 2)
            .append(adaptExpression(body, source, templateName, open + 2))
            .append(closer);
      }
      i = close + 2;
      if (kind == '%' && body.strip().replaceFirst("^-", "").strip().equals("raw")) {
        int end = source.indexOf("endraw", i);
        int endTag = end < 0 ? -1 : source.indexOf("%}", end);
        if (endTag < 0) {
          throw error(source, templateName, open, "{% raw %} without {% endraw %}");
        }
        out.append(source, i, endTag + 2);
        i = endTag + 2;
      }
    }
    return out.toString();
  }

  private static final java.util.Set<String> BLOCK_TAGS =
      java.util.Set.of("for", "if", "macro", "call", "filter", "block", "with", "autoescape");

  /**
   * Follows block nesting to reject {@code {% for %}...{% else %}}: jinjava ignores the else branch
   * of a loop, which Jinja renders when the loop runs zero times.
   */
  private static void trackBlock(
      String body, Deque<String> blocks, String source, String name, int at) {
    String b = body.strip();
    b = b.startsWith("-") || b.startsWith("+") ? b.substring(1).strip() : b;
    b = b.endsWith("-") || b.endsWith("+") ? b.substring(0, b.length() - 1).strip() : b;
    String tag = b.split("[\\s(]", 2)[0];
    if (BLOCK_TAGS.contains(tag) || (tag.equals("set") && !b.contains("="))) {
      blocks.push(tag);
    } else if (tag.startsWith("end") && !blocks.isEmpty()) {
      blocks.pop();
    } else if (tag.equals("else") && "for".equals(blocks.peek())) {
      throw error(
          source,
          name,
          at,
          "{% else %} of a {% for %} loop is not supported (jinjava would skip it); test the"
              + " sequence with {% if %} instead");
    }
  }

  /** A filter ({@code x|name}) or test ({@code x is name}) a template uses, at a source index. */
  record Usage(boolean filter, String name, int index) {}

  private static final Pattern FILTER = Pattern.compile("(?<!\\|)\\|\\s*([A-Za-z_]\\w*)");
  private static final Pattern TEST = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_]\\w*)");

  /**
   * The filters and tests used in the expressions of {@code source}, so that a missing one is an
   * error before rendering (jinjava would silently pass the value through an unknown filter).
   */
  static List<Usage> usages(String source) {
    List<Usage> found = new ArrayList<>();
    int i = 0;
    while (i < source.length()) {
      int open = nextTag(source, i);
      if (open < 0) {
        break;
      }
      char kind = source.charAt(open + 1);
      int close =
          findCloser(source, open + 2, kind == '{' ? "}}" : kind == '%' ? "%}" : "#}", kind != '#');
      if (close < 0) {
        break;
      }
      if (kind != '#') {
        String code = blankStrings(source.substring(open + 2, close));
        for (Matcher m = FILTER.matcher(code); m.find(); ) {
          found.add(new Usage(true, m.group(1), open + 2 + m.start()));
        }
        for (Matcher m = TEST.matcher(code); m.find(); ) {
          found.add(new Usage(false, m.group(1), open + 2 + m.start()));
        }
      }
      i = close + 2;
    }
    return found;
  }

  /** {@code code} with the inside of its string literals replaced by spaces. */
  private static String blankStrings(String code) {
    StringBuilder out = new StringBuilder(code);
    for (int i = 0; i < out.length(); i++) {
      char c = out.charAt(i);
      if (c == '\'' || c == '"') {
        int end = endOfString(code, i);
        end = end < 0 ? code.length() - 1 : end;
        for (int k = i + 1; k < end; k++) {
          out.setCharAt(k, ' ');
        }
        i = end;
      }
    }
    return out.toString();
  }

  private static int nextTag(String s, int from) {
    for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
      char c = s.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
    }
    return -1;
  }

  /** Index of {@code closer} after {@code from}, skipping string literals when {@code code}. */
  private static int findCloser(String s, int from, String closer, boolean code) {
    for (int i = from; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (code && (c == '\'' || c == '"')) {
        i = endOfString(s, i);
        if (i < 0) {
          return -1;
        }
      } else if (s.startsWith(closer, i)) {
        return i;
      }
    }
    return -1;
  }

  /** Index of the closing quote of the literal starting at {@code start}, or -1. */
  private static int endOfString(String s, int start) {
    char quote = s.charAt(start);
    for (int i = start + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == quote) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isMacroDefinition(String body) {
    String b = body.strip().replaceFirst("^-", "").strip();
    return b.startsWith("macro ") || b.startsWith("call(") || b.startsWith("call ");
  }

  private static String adaptExpression(String expr, String source, String name, int offset) {
    String e = reverseSlices(expr, source, name, offset);
    return parenthesizeNotOperands(parenthesizeKeywordValues(e));
  }

  /**
   * In Jinja {@code not} binds more loosely than comparisons and tests ({@code not x is defined} is
   * {@code not (x is defined)}); jinjava binds it tightly ({@code (not x) is defined}), which
   * silently gives the wrong answer. So each {@code not}'s operand, up to the next {@code and},
   * {@code or}, {@code if}, {@code else}, comma or closing bracket, is parenthesized. {@code is
   * not} and {@code not in} are left alone.
   */
  private static String parenthesizeNotOperands(String e) {
    StringBuilder out = new StringBuilder(e);
    for (int i = 0; i < out.length(); i++) {
      char c = out.charAt(i);
      if (c == '\'' || c == '"') {
        int end = endOfString(out.toString(), i);
        if (end < 0) {
          break;
        }
        i = end;
        continue;
      }
      if (!wordAt(out, i, "not")
          || previousWord(out, i).equals("is")
          || nextWord(out, i + 3).equals("in")) {
        continue;
      }
      int end = endOfNotOperand(out, i + 3);
      out.insert(end, ')');
      out.insert(i + 3, " (");
      i += 4;
    }
    return out.toString();
  }

  private static int endOfNotOperand(CharSequence s, int from) {
    int depth = 0;
    int j = from;
    while (j < s.length()) {
      char c = s.charAt(j);
      if (c == '\'' || c == '"') {
        int end = endOfString(s.toString(), j);
        j = end < 0 ? s.length() : end + 1;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        depth++;
      } else if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) {
          break;
        }
        depth--;
      } else if (depth == 0
          && (c == ','
              || wordAt(s, j, "and")
              || wordAt(s, j, "or")
              || wordAt(s, j, "if")
              || wordAt(s, j, "else")
              || s.subSequence(j, s.length()).toString().strip().matches("[-+]"))) {
        break;
      }
      j++;
    }
    while (j > from && Character.isWhitespace(s.charAt(j - 1))) {
      j--;
    }
    return j;
  }

  private static boolean wordAt(CharSequence s, int i, String word) {
    int end = i + word.length();
    return end <= s.length()
        && s.subSequence(i, end).toString().equals(word)
        && (i == 0 || !isWordChar(s.charAt(i - 1)))
        && (end == s.length() || !isWordChar(s.charAt(end)));
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.';
  }

  private static String previousWord(CharSequence s, int i) {
    int end = i;
    while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
      end--;
    }
    int start = end;
    while (start > 0 && isWordChar(s.charAt(start - 1))) {
      start--;
    }
    return s.subSequence(start, end).toString();
  }

  private static String nextWord(CharSequence s, int i) {
    int start = i;
    while (start < s.length() && Character.isWhitespace(s.charAt(start))) {
      start++;
    }
    int end = start;
    while (end < s.length() && isWordChar(s.charAt(end))) {
      end++;
    }
    return s.subSequence(start, end).toString();
  }

  private static String reverseSlices(String e, String source, String name, int offset) {
    StringBuilder out = new StringBuilder(e);
    for (int i = out.length() - 1; i >= 0; i--) {
      char c = out.charAt(i);
      if (c != '[' || insideString(out, i)) {
        continue;
      }
      int close = matching(out, i);
      if (close < 0) {
        continue;
      }
      String inside = out.substring(i + 1, close).replace(" ", "");
      if (!inside.contains("::")) {
        continue;
      }
      if (!inside.equals("::-1")) {
        throw error(
            source,
            name,
            offset + i,
            "slice [" + inside + "] with a step is not supported (only [::-1] is)");
      }
      int start = primaryStart(out, i);
      String target = out.substring(start, i);
      out.replace(start, close + 1, "(" + target + "|reverse|list)");
    }
    return out.toString();
  }

  /** Start of the postfix expression (name, attribute/index chain, call) that ends before i. */
  private static int primaryStart(CharSequence s, int end) {
    int i = end - 1;
    while (i >= 0) {
      char c = s.charAt(i);
      if (c == ']' || c == ')') {
        i = matchingBackward(s, i) - 1;
      } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
        i--;
      } else {
        break;
      }
    }
    return i + 1;
  }

  private static String parenthesizeKeywordValues(String e) {
    StringBuilder out = new StringBuilder();
    Deque<Character> brackets = new ArrayDeque<>();
    Deque<Boolean> wrapping = new ArrayDeque<>();
    int i = 0;
    while (i < e.length()) {
      char c = e.charAt(i);
      if (c == '\'' || c == '"') {
        int end = endOfString(e, i);
        end = end < 0 ? e.length() - 1 : end;
        out.append(e, i, end + 1);
        i = end + 1;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        brackets.push(c);
        wrapping.push(false);
      } else if (c == ')' || c == ']' || c == '}') {
        if (!wrapping.isEmpty() && wrapping.pop()) {
          out.append(')');
        }
        if (!brackets.isEmpty()) {
          brackets.pop();
        }
      } else if (c == ',' && !wrapping.isEmpty() && wrapping.peek()) {
        out.append(')');
        wrapping.pop();
        wrapping.push(false);
      } else if (c == '='
          && !brackets.isEmpty()
          && brackets.peek() == '('
          && i + 1 < e.length()
          && e.charAt(i + 1) != '='
          && i > 0
          && "=!<>".indexOf(e.charAt(i - 1)) < 0
          && !wrapping.peek()) {
        out.append("=(");
        wrapping.pop();
        wrapping.push(true);
        i++;
        continue;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  private static boolean insideString(CharSequence s, int index) {
    char quote = 0;
    for (int i = 0; i < index; i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      }
    }
    return quote != 0;
  }

  private static int matching(CharSequence s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' || c == '"') {
        int end = endOfString(s.toString(), i);
        if (end < 0) {
          return -1;
        }
        i = end;
      } else if (c == '[' || c == '(' || c == '{') {
        depth++;
      } else if ((c == ']' || c == ')' || c == '}') && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static int matchingBackward(CharSequence s, int close) {
    int depth = 0;
    for (int i = close; i >= 0; i--) {
      char c = s.charAt(i);
      if (c == ']' || c == ')' || c == '}') {
        depth++;
      } else if ((c == '[' || c == '(' || c == '{') && --depth == 0) {
        return i;
      }
    }
    return 0;
  }

  static ChatTemplateException error(String source, String name, int index, String message) {
    int line = 1;
    for (int i = 0; i < index && i < source.length(); i++) {
      if (source.charAt(i) == '\n') {
        line++;
      }
    }
    return new ChatTemplateException(name, line, source.split("\n", -1)[line - 1], message);
  }
}
