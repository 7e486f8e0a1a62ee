package dev.lathe.server.store;

import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.JdbcMigrations;
import dev.lathe.jobqueue.SchemaMigrations;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The server's versioned schema ({@code migrations/V<n>__<name>.sql} next to this class: {@code
 * files}, {@code models}, {@code job_progress}, {@code chat_completions}), applied by the job
 * queue's one runner after the queue's own tables and recorded beside them in {@code
 * schema_versions} under the module name {@code server}. Before that table existed the server kept
 * its own, {@code server_schema_migrations} (applied times in seconds), which the runner carries
 * over once.
 *
 * <p>Every time column of the schema is epoch milliseconds. The server's two ({@code
 * files.created_at}, {@code models.created}) were seconds until {@code V3__milliseconds.sql}
 * converted them; the API shows seconds, as OpenAI's does.
 */
public final class ServerSchema {

  /** Append new files at the end; never edit an applied one. */
  static final SchemaMigrations MIGRATIONS =
      new SchemaMigrations(
          "server",
          ServerSchema.class,
          List.of(
              "V1__files_models.sql",
              "V2__job_progress.sql",
              "V3__milliseconds.sql",
              "V4__checkpoint_models.sql",
              "V5__chat_completions.sql",
              "V6__evals.sql"),
          new SchemaMigrations.LegacyBookkeeping("server_schema_migrations", TimeUnit.SECONDS));

  /** Every module's migrations, in the order they apply. */
  static final List<SchemaMigrations> ALL = List.of(JdbcJobStore.MIGRATIONS, MIGRATIONS);

  private ServerSchema() {}

  /** Brings the whole schema (the job queue's tables and the server's) up to date. */
  public static void migrate(DataSource dataSource, boolean postgres, InstantSource clock)
      throws SQLException {
    JdbcMigrations.migrate(
        dataSource, postgres ? JdbcDialect.POSTGRESQL : JdbcDialect.SQLITE, clock, ALL);
  }
}
