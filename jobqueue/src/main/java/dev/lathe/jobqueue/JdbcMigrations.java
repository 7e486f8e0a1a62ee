package dev.lathe.jobqueue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
 * Applies the versioned schema files ({@code migrations/V<n>__<name>.sql} next to this class) in
 * order, each in its own transaction, and records them in {@code schema_migrations}.
 *
 * <p>Why not Flyway: since Flyway 10 SQLite support is no longer part of Flyway's core but a
 * separate community module, and this queue needs only "apply the next numbered file once" on two
 * databases that both have transactional DDL. A dozen lines of JDBC do that with no dependency.
 * Concurrent starts are safe: SQLite's {@code BEGIN IMMEDIATE} and a PostgreSQL advisory lock make
 * the second process wait and then find the migrations applied.
 */
final class JdbcMigrations {

  /** The migrations, in order. Add new files at the end; never edit an applied one. */
  static final List<String> FILES = List.of("V1__jobs.sql");

  private JdbcMigrations() {}

  /** Brings the schema up to date; returns the versions it applied. */
  static List<Integer> migrate(DataSource dataSource, JdbcDialect dialect, InstantSource clock)
      throws SQLException {
    List<Integer> applied = new ArrayList<>();
    for (String file : FILES) {
      int version = versionOf(file);
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          if (!dialect.migrationLock().isEmpty()) {
            st.execute(dialect.migrationLock());
          }
          st.execute(
              "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                  + " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
          if (isApplied(c, version)) {
            c.commit();
            continue;
          }
          for (String sql : statements(read(file))) {
            st.execute(sql);
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")) {
            ps.setInt(1, version);
            ps.setString(2, file);
            ps.setLong(3, clock.millis());
            ps.executeUpdate();
          }
          c.commit();
          applied.add(version);
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
    }
    return applied;
  }

  private static boolean isApplied(Connection c, int version) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM schema_migrations WHERE version = ?")) {
      ps.setInt(1, version);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static int versionOf(String file) {
    int sep = file.indexOf("__");
    if (!file.startsWith("V") || sep < 2 || !file.endsWith(".sql")) {
      throw new IllegalArgumentException(
          "migration file '" + file + "' must be named V<number>__<name>.sql");
    }
    return Integer.parseInt(file.substring(1, sep));
  }

  private static String read(String file) {
    try (InputStream in = JdbcMigrations.class.getResourceAsStream("migrations/" + file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + file + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + file, e);
    }
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
