package dev.lathe.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The server's versioned schema ({@code migrations/V<n>__<name>.sql} next to this class), applied
 * once each, in order, recorded in its own {@code server_schema_migrations} table so it never
 * collides with the job queue's migrations in the same database. Statements end with a semicolon at
 * the end of a line; full-line {@code --} comments are skipped.
 */
final class ServerSchema {

  /** Append new files at the end; never edit an applied one. */
  static final List<String> FILES = List.of("V1__files_models.sql", "V2__job_progress.sql");

  private ServerSchema() {}

  static void migrate(DataSource dataSource, boolean postgres, long nowSeconds)
      throws SQLException {
    for (String file : FILES) {
      int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          if (postgres) {
            st.execute("SELECT pg_advisory_xact_lock(7401396)");
          }
          st.execute(
              "CREATE TABLE IF NOT EXISTS server_schema_migrations (version INTEGER PRIMARY KEY,"
                  + " name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
          boolean applied;
          try (PreparedStatement ps =
              c.prepareStatement("SELECT 1 FROM server_schema_migrations WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
              applied = rs.next();
            }
          }
          if (!applied) {
            for (String sql : statements(read(file))) {
              st.execute(sql);
            }
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO server_schema_migrations (version, name, applied_at)"
                        + " VALUES (?, ?, ?)")) {
              ps.setInt(1, version);
              ps.setString(2, file);
              ps.setLong(3, nowSeconds);
              ps.executeUpdate();
            }
          }
          c.commit();
        } catch (SQLException | RuntimeException e) {
          c.rollback();
          throw e;
        }
      }
    }
  }

  static List<String> statements(String script) {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : script.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--")) {
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
      throw new IllegalArgumentException("migration ends without ';': " + current);
    }
    return out;
  }

  private static String read(String file) {
    try (InputStream in = ServerSchema.class.getResourceAsStream("migrations/" + file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + file + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + file, e);
    }
  }
}
