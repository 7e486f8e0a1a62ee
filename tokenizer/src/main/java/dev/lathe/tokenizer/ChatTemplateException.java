package dev.lathe.tokenizer;

/**
 * A chat template that cannot be rendered faithfully: a construct this renderer does not support, a
 * syntax error, or an error the template itself raised ({@code raise_exception}). The message names
 * the template, the line and the construct.
 */
public final class ChatTemplateException extends RuntimeException {

  private final int line;

  ChatTemplateException(String template, int line, String lineText, String message) {
    this("chat template", template, line, lineText, message);
  }

  ChatTemplateException(String kind, String template, int line, String lineText, String message) {
    super(
        kind
            + " "
            + template
            + (line > 0 ? ", line " + line + " `" + abbreviate(lineText.strip()) + "`" : "")
            + ": "
            + message);
    this.line = line;
  }

  /** The 1-based template line the problem was found at, or 0 when unknown. */
  public int line() {
    return line;
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }
}
