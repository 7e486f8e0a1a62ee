package dev.lathe.inference.json;

/**
 * A JSON output constraint that cannot be built: the schema is not valid JSON Schema, uses a
 * keyword Lathe does not enforce ({@link UnsupportedSchemaException}), admits no document, or the
 * model's vocabulary cannot write a character the document needs. Always the caller's request (an
 * HTTP 400), never a server fault; the message says what, where and how to fix it.
 */
public class JsonConstraintException extends IllegalArgumentException {
  public JsonConstraintException(String message) {
    super(message);
  }
}
