package dev.lathe.cli.client;

/** The exit codes of the client commands, one meaning each (listed by every command's help). */
public final class ExitCodes {
  private ExitCodes() {}

  /** Done. */
  public static final int OK = 0;

  /**
   * The outcome is a failure the server reported correctly: a followed job failed or was cancelled,
   * or a file to upload has validation errors.
   */
  public static final int FAILED = 1;

  /** A bad call: an unknown option, a bad value, a local file that cannot be read. */
  public static final int USAGE = 2;

  /** The server answered with an error (its message is printed). */
  public static final int API_ERROR = 3;

  /** The endpoint could not be reached (refused, unknown host, timeout). */
  public static final int UNREACHABLE = 4;

  /** The help footer that lists them, for {@code @Command(footer = ...)}. */
  public static final String FOOTER =
      "%nExit codes: 0 ok; 1 the job failed or was cancelled (--wait, --follow), or the file has"
          + " validation errors; 2 bad call or unreadable local file; 3 the server answered an"
          + " error; 4 the endpoint cannot be reached.%n"
          + "Endpoint: --base-url/--api-key, else $OPENAI_BASE_URL/$OPENAI_API_KEY, else the local"
          + " Lathe server ("
          + Connection.DEFAULT_BASE_URL
          + ").";
}
