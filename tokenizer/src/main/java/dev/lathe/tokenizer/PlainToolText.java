package dev.lathe.tokenizer;

/**
 * The escaping Lathe's plain chat format ({@link ChatTemplate#PLAIN_SOURCE}) applies to the JSON it
 * writes for tools and tool calls, so that every character a model must generate for a call is one
 * that small SentencePiece vocabularies can spell.
 *
 * <p>The TinyStories-656K tokenizer has no byte tokens: it encodes only ASCII letters, digits,
 * space, newline and {@code ! " $ ' , - . : ; < > ? _ |}; anything else becomes {@code <unk>} and
 * does not decode back. JSON needs {@code { } [ ]}, so they and every other character outside a
 * fixed safe set are written as escapes introduced by {@code $}:
 *
 * <table>
 *   <caption>escapes</caption>
 *   <tr><th>text</th><th>written</th></tr>
 *   <tr><td>{@code {}</td><td>{@code $o}</td></tr>
 *   <tr><td>{@code }}</td><td>{@code $c}</td></tr>
 *   <tr><td>{@code [}</td><td>{@code $l}</td></tr>
 *   <tr><td>{@code ]}</td><td>{@code $r}</td></tr>
 *   <tr><td>newline</td><td>{@code $n}</td></tr>
 *   <tr><td>{@code $}</td><td>{@code $$}</td></tr>
 *   <tr><td>any other character outside the safe set</td><td>{@code $u} and its UTF-16 code unit
 *   as four lowercase hex digits ({@code \} is {@code $u005c}, {@code é} is {@code $u00e9})</td></tr>
 * </table>
 *
 * <p>The safe set, written as is: ASCII letters and digits, space and {@code ! " ' , - . : ; < > ?
 * _}. ({@code |} is escaped although TinyStories can spell it, so that escaped text never contains
 * a special-token string such as {@code <|end_story|>}.) So {@code {"city": "Paris"}} is written
 * {@code $o"city": "Paris"$c}. The set is fixed, the same for every model using the plain format
 * (GPT-2 could spell more, but one format is easier to learn and to parse).
 *
 * <p>{@link #unescape} is total: a {@code $} not followed by a known escape is kept as written, so
 * a model's imperfect output still decodes to something (returned as the raw arguments).
 */
public final class PlainToolText {
  private PlainToolText() {}

  /** {@code text} with every character outside the safe set escaped. */
  public static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '{' -> out.append("$o");
        case '}' -> out.append("$c");
        case '[' -> out.append("$l");
        case ']' -> out.append("$r");
        case '\n' -> out.append("$n");
        case '$' -> out.append("$$");
        default -> {
          if (safe(c)) {
            out.append(c);
          } else {
            out.append("$u").append(String.format("%04x", (int) c));
          }
        }
      }
    }
    return out.toString();
  }

  /** Whether {@code c} is written as is. */
  static boolean safe(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || " !\"',-.:;<>?_".indexOf(c) >= 0;
  }

  /**
   * The text {@code escaped} stands for. Unknown or cut escapes are kept as written ({@code $x}
   * stays {@code $x}).
   */
  public static String unescape(String escaped) {
    StringBuilder out = new StringBuilder(escaped.length());
    int i = 0;
    while (i < escaped.length()) {
      char c = escaped.charAt(i);
      if (c != '$' || i + 1 >= escaped.length()) {
        out.append(c);
        i++;
        continue;
      }
      char e = escaped.charAt(i + 1);
      String simple =
          switch (e) {
            case 'o' -> "{";
            case 'c' -> "}";
            case 'l' -> "[";
            case 'r' -> "]";
            case 'n' -> "\n";
            case '$' -> "$";
            default -> null;
          };
      if (simple != null) {
        out.append(simple);
        i += 2;
      } else if (e == 'u' && hex4(escaped, i + 2)) {
        out.append((char) Integer.parseInt(escaped.substring(i + 2, i + 6), 16));
        i += 6;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /**
   * The length of the longest prefix of {@code escaped} that does not end inside an escape which
   * more text could still complete ({@code $}, {@code $u}, {@code $u00}...): the part a streaming
   * reader can unescape now without later text changing its meaning.
   */
  public static int completeLength(String escaped) {
    int n = escaped.length();
    // An escape still open at the end starts at most 5 characters back ("$u" + 3 hex digits).
    for (int start = Math.max(0, n - 5); start < n; start++) {
      if (escaped.charAt(start) != '$' || dollarEscaped(escaped, start)) {
        continue;
      }
      String tail = escaped.substring(start);
      boolean open =
          tail.equals("$") || (tail.startsWith("$u") && tail.length() < 6 && hexOnly(tail, 2));
      if (open) {
        return start;
      }
    }
    return n;
  }

  /** Whether the {@code $} at {@code index} is the second half of a {@code $$} escape. */
  private static boolean dollarEscaped(String s, int index) {
    int run = 0;
    for (int i = index - 1; i >= 0 && s.charAt(i) == '$'; i--) {
      run++;
    }
    return run % 2 == 1;
  }

  private static boolean hex4(String s, int from) {
    return from + 4 <= s.length() && hexOnly(s.substring(from, from + 4), 0);
  }

  private static boolean hexOnly(String s, int from) {
    for (int i = from; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }
}
