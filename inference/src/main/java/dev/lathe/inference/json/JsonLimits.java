package dev.lathe.inference.json;

/**
 * Bounds that keep every constrained document finite, so a model can neither loop forever (on
 * whitespace, digits, string text or array items) nor be led into a value it cannot close.
 *
 * @param maxWhitespace whitespace bytes (space, tab, CR, LF) allowed in one gap between tokens of
 *     the document: before the value, after {@code { [ , :} and before {@code , : } ]}
 * @param maxStringBytes bytes of one string's body between its quotes (UTF-8 text and escapes as
 *     written), for values and free-form keys
 * @param maxItems items of one array, entries of one free-form object
 * @param maxNumberDigits digits of a number's integer part, and separately of its fraction (the
 *     exponent has at most two)
 * @param maxDepth nested objects and arrays, the document's own included
 */
public record JsonLimits(
    int maxWhitespace, int maxStringBytes, int maxItems, int maxNumberDigits, int maxDepth) {

  /** Generous defaults: 16 whitespace bytes, 4096-byte strings, 256 items, 16 digits, depth 32. */
  public static final JsonLimits DEFAULTS = new JsonLimits(16, 4096, 256, 16, 32);

  public JsonLimits {
    check("maxWhitespace", maxWhitespace, 0);
    check("maxStringBytes", maxStringBytes, 0);
    check("maxItems", maxItems, 1);
    check("maxNumberDigits", maxNumberDigits, 1);
    check("maxDepth", maxDepth, 1);
  }

  private static void check(String name, int value, int least) {
    if (value < least) {
      throw new IllegalArgumentException(name + " is " + value + "; it must be at least " + least);
    }
  }
}
