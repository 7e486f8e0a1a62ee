package dev.lathe.inference.json;

/** JSON Pointers (RFC 6901) into a schema, for error messages. */
final class SchemaPointer {
  private SchemaPointer() {}

  /**
   * {@code pointer} extended by one reference token, escaped ({@code ~} as ~0, {@code /} as ~1).
   */
  static String child(String pointer, String token) {
    return pointer + "/" + token.replace("~", "~0").replace("/", "~1");
  }

  static String child(String pointer, int index) {
    return pointer + "/" + index;
  }

  /** How a pointer reads in a message: the root is {@code /}. */
  static String display(String pointer) {
    return pointer.isEmpty() ? "/" : pointer;
  }
}
