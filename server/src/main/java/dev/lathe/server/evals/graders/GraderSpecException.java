package dev.lathe.server.evals.graders;

public final class GraderSpecException extends RuntimeException {
  private final String field;

  public GraderSpecException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
