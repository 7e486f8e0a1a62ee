package dev.lathe.jobqueue;

/**
 * What differs between the two databases the JDBC store runs on. Everything else, the schema
 * included, is common SQL.
 *
 * <p>PostgreSQL locks rows: a claim selects the next queued job {@code FOR UPDATE SKIP LOCKED}, so
 * concurrent workers pass over each other's candidates instead of waiting. SQLite has no row locks
 * and no {@code SKIP LOCKED}: every write transaction is opened {@code BEGIN IMMEDIATE} (see {@link
 * JdbcDataSources#sqlite}), which takes the database's single write lock up front, so the claim's
 * {@code UPDATE … WHERE id = (SELECT …) RETURNING} runs alone and two workers can never take the
 * same job; others wait on the busy timeout.
 */
public enum JdbcDialect {
  SQLITE("", "", ""),
  POSTGRESQL(" FOR UPDATE", " FOR UPDATE SKIP LOCKED", "SELECT pg_advisory_xact_lock(7401395)");

  private final String forUpdate;
  private final String skipLocked;
  private final String migrationLock;

  JdbcDialect(String forUpdate, String skipLocked, String migrationLock) {
    this.forUpdate = forUpdate;
    this.skipLocked = skipLocked;
    this.migrationLock = migrationLock;
  }

  /** Appended to a SELECT that reads a row the transaction will write. */
  String forUpdate() {
    return forUpdate;
  }

  /** Appended to a SELECT of candidate rows other transactions may hold: skip those. */
  String skipLocked() {
    return skipLocked;
  }

  /** A statement that serializes concurrent migrations, or empty when transactions already do. */
  String migrationLock() {
    return migrationLock;
  }

  /** The dialect of a JDBC URL ({@code jdbc:sqlite:…} or {@code jdbc:postgresql:…}). */
  public static JdbcDialect ofUrl(String url) {
    if (url.startsWith("jdbc:sqlite:")) {
      return SQLITE;
    }
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    throw new IllegalArgumentException(
        "unsupported database URL '"
            + url
            + "': use jdbc:sqlite:<file> or jdbc:postgresql://<host>:<port>/<database>");
  }
}
