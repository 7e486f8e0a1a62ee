package dev.lathe.inference.json;

/**
 * A JSON Schema keyword (or a form of one) outside the subset Lathe enforces, e.g. {@code
 * unsupported JSON Schema keyword "pattern" at /properties/zip}.
 */
public final class UnsupportedSchemaException extends JsonConstraintException {
  private final String keyword;
  private final String pointer;

  UnsupportedSchemaException(String keyword, String pointer, String detail) {
    super(
        "unsupported JSON Schema keyword \""
            + keyword
            + "\" at "
            + SchemaPointer.display(pointer)
            + (detail.isEmpty() ? "" : ": " + detail));
    this.keyword = keyword;
    this.pointer = pointer;
  }

  /** The keyword, e.g. {@code pattern}. */
  public String keyword() {
    return keyword;
  }

  /** The JSON Pointer of the schema object holding it ({@code ""} for the root). */
  public String pointer() {
    return pointer;
  }
}
