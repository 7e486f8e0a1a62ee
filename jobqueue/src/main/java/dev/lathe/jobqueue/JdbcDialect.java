package dev.lathe.jobqueue;

/**
 * What differs between the two databases the JDBC store runs on. Everything else, the schema
 * included, is common SQL.
 *
 * <p>PostgreSQL locks rows: a claim selects the next queued job {@code FOR UPDATE SKIP LOCKED}, so
 * concurrent workers pass over each other's candidates instead of queueing behind them, and every
 * other move reads its row {@code FOR UPDATE}.
 *
 * <p>SQLite has no row locks and no {@code SKIP LOCKED}; it has one write lock for the whole
 * database. The claim is a single {@code UPDATE … WHERE id = (SELECT …) RETURNING} statement, which
 * SQLite runs atomically, so two workers can never take the same job. Every write transaction is
 * opened {@code BEGIN IMMEDIATE} (see {@link JdbcDataSources#sqlite}): it takes the write lock
 * before its first read, so a read-check-write move cannot interleave with another writer, and a
 * writer that finds the lock taken waits on the busy timeout instead of failing with a deadlock.
 * Writers are serialized, which suits the embedded, one-machine case SQLite is for.
 */
public enum JdbcDialect {
  SQLITE("", "", "", "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"),
  POSTGRESQL(
      " FOR UPDATE",
      " FOR UPDATE SKIP LOCKED",
      "SELECT pg_advisory_xact_lock(7401395)",
      "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema()"
          + " AND table_name = ?");

  private final String forUpdate;
  private final String skipLocked;
  private final String migrationLock;
  private final String tableExistsQuery;

  JdbcDialect(String forUpdate, String skipLocked, String migrationLock, String tableExistsQuery) {
    this.forUpdate = forUpdate;
    this.skipLocked = skipLocked;
    this.migrationLock = migrationLock;
    this.tableExistsQuery = tableExistsQuery;
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

  /**
   * A query with one parameter, a table name, that returns a row when that table exists in the
   * schema the connection works in.
   */
  String tableExistsQuery() {
    return tableExistsQuery;
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
