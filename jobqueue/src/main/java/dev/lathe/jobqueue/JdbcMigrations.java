package dev.lathe.jobqueue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The one migration runner of the whole schema: applies each module's {@link SchemaMigrations} in
 * the order given (the job queue's first, then the modules built on it), each file once and in its
 * own transaction, and records it in one bookkeeping table, {@code schema_versions} (module,
 * version, name, {@code applied_at} in epoch milliseconds like every time column).
 *
 * <p>A database written before this table existed kept one bookkeeping table per module (the job
 * queue's was {@code schema_migrations}, in milliseconds). Each set names its earlier table ({@link
 * SchemaMigrations.LegacyBookkeeping}); the first run finds it, carries its rows over in
 * milliseconds and drops it, in one transaction, so the migrations it recorded are never applied
 * again and the next ones continue from there.
 *
 * <p>Why not Flyway: since Flyway 10 SQLite support is no longer part of Flyway's core but a
 * separate community module, and this schema needs only "apply the next numbered file once" on two
 * databases that both have transactional DDL. A few dozen lines of JDBC do that with no dependency.
 * Concurrent starts are safe: SQLite's {@code BEGIN IMMEDIATE} and a PostgreSQL advisory lock make
 * the second process wait and then find the migrations applied.
 */
public final class JdbcMigrations {

  /** The bookkeeping table. */
  static final String TABLE = "schema_versions";

  private JdbcMigrations() {}

  /** Brings the job queue's own tables up to date; returns the versions it applied. */
  static List<Integer> migrate(DataSource dataSource, JdbcDialect dialect, InstantSource clock)
      throws SQLException {
    return migrate(dataSource, dialect, clock, List.of(JdbcJobStore.MIGRATIONS)).stream()
        .map(SchemaMigrations::versionOf)
        .toList();
  }

  /**
   * Brings the schema up to date with {@code sets}, in order; returns the files it applied (none
   * when the database was current).
   */
  public static List<String> migrate(
      DataSource dataSource, JdbcDialect dialect, InstantSource clock, List<SchemaMigrations> sets)
      throws SQLException {
    inTransaction(
        dataSource,
        dialect,
        c -> {
          for (SchemaMigrations set : sets) {
            adoptLegacy(c, dialect, set);
          }
          return null;
        });
    List<String> applied = new ArrayList<>();
    for (SchemaMigrations set : sets) {
      for (String file : set.files()) {
        boolean ran =
            inTransaction(
                dataSource,
                dialect,
                c -> {
                  int version = SchemaMigrations.versionOf(file);
                  if (isApplied(c, set.module(), version)) {
                    return false;
                  }
                  try (Statement st = c.createStatement()) {
                    for (String sql : statements(set.read(file))) {
                      st.execute(sql);
                    }
                  }
                  try (PreparedStatement ps =
                      c.prepareStatement(
                          "INSERT INTO "
                              + TABLE
                              + " (module, version, name, applied_at) VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, set.module());
                    ps.setInt(2, version);
                    ps.setString(3, file);
                    ps.setLong(4, clock.millis());
                    ps.executeUpdate();
                  }
                  return true;
                });
        if (ran) {
          applied.add(file);
        }
      }
    }
    return applied;
  }

  /** Carries the rows of the set's earlier bookkeeping table over, then drops that table. */
  private static void adoptLegacy(Connection c, JdbcDialect dialect, SchemaMigrations set)
      throws SQLException {
    SchemaMigrations.LegacyBookkeeping legacy = set.legacy();
    if (legacy == null || !tableExists(c, dialect, legacy.table())) {
      return;
    }
    long toMillis = legacy.appliedAtUnit().toMillis(1);
    try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO "
                    + TABLE
                    + " (module, version, name, applied_at) SELECT ?, version, name, applied_at * ?"
                    + " FROM "
                    + legacy.table()
                    + " WHERE version NOT IN (SELECT version FROM "
                    + TABLE
                    + " WHERE module = ?)");
        Statement st = c.createStatement()) {
      ps.setString(1, set.module());
      ps.setLong(2, toMillis);
      ps.setString(3, set.module());
      ps.executeUpdate();
      st.execute("DROP TABLE " + legacy.table());
    }
  }

  private static boolean tableExists(Connection c, JdbcDialect dialect, String table)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(dialect.tableExistsQuery())) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static boolean isApplied(Connection c, String module, int version) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM " + TABLE + " WHERE module = ? AND version = ?")) {
      ps.setString(1, module);
      ps.setInt(2, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction that holds the migration lock and sees the bookkeeping
   * table (created on the first run).
   */
  private static <T> T inTransaction(DataSource dataSource, JdbcDialect dialect, Work<T> work)
      throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        if (!dialect.migrationLock().isEmpty()) {
          st.execute(dialect.migrationLock());
        }
        st.execute(
            "CREATE TABLE IF NOT EXISTS "
                + TABLE
                + " (module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
                + " applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))");
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  static int versionOf(String file) {
    return SchemaMigrations.versionOf(file);
  }

  /**
   * Splits a migration into statements at semicolons that end a line. Full-line {@code --} comments
   * are dropped; the files use no semicolons inside strings or bodies.
   */
  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("--") || trimmed.isEmpty()) {
        continue;
      }
      current.append(line).append('\n');
      if (trimmed.endsWith(";")) {
        String sql = current.toString().strip();
        out.add(sql.substring(0, sql.length() - 1));
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      throw new IllegalArgumentException(
          "migration ends without ';' after: " + current.toString().strip());
    }
    return out;
  }
}
