package dev.lathe.server.evals.graders;

/**
 * A testing criterion that cannot be graded as written: {@link #field()} is its JSON path (such as
 * {@code testing_criteria[1].operation}), the message says what is wrong and how to fix it. The
 * evals routes turn it into OpenAI's 400 error envelope with {@code param} set to the field.
 */
public final class GraderSpecException extends RuntimeException {
  private final String field;

  public GraderSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The JSON path of the offending field, for the error envelope's {@code param}. */
  public String field() {
    return field;
  }

  /** The message without the field prefix. */
  public String reason() {
    return getMessage().substring(field.length() + 2);
  }
}
