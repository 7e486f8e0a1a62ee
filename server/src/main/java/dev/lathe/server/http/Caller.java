package dev.lathe.server.http;

/**
 * The authenticated sender of a request.
 *
 * @param project the project new objects belong to
 * @param admin whether it may see every project's objects
 */
public record Caller(String project, boolean admin) {

  /** The request attribute the authentication filter stores the caller under. */
  public static final String ATTRIBUTE = "lathe.caller";

  /** The caller of an authenticated request. */
  public static Caller of(io.javalin.http.Context ctx) {
    Caller caller = ctx.attribute(ATTRIBUTE);
    if (caller == null) {
      throw new IllegalStateException("request was not authenticated: " + ctx.path());
    }
    return caller;
  }

  /** Whether an object of {@code owner}'s project is visible to this caller. */
  public boolean sees(String owner) {
    return admin || project.equals(owner);
  }
}
