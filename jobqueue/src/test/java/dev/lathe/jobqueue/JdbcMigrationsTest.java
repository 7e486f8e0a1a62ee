package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SqlRows;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one runner: a fresh database, and one whose versions an earlier runner recorded. */
class JdbcMigrationsTest {

  private static final InstantSource CLOCK =
      InstantSource.fixed(Instant.parse("2026-01-02T03:04:05.678Z"));

  @TempDir Path dir;

  @Test
  void freshDatabaseGetsEveryFileOnceInOneBookkeepingTable() throws Exception {
    DataSource db = JdbcDataSources.sqlite(dir.resolve("fresh.db"));

    assertThat(JdbcMigrations.migrate(db, JdbcDialect.SQLITE, CLOCK)).containsExactly(1, 2, 3);
    assertThat(JdbcMigrations.migrate(db, JdbcDialect.SQLITE, CLOCK)).isEmpty();

    assertThat(SqlRows.of(db, "SELECT module, version, name, applied_at FROM schema_versions"))
        .containsExactly(
            "jobqueue|1|V1__jobs.sql|" + CLOCK.millis(),
            "jobqueue|2|V2__checkpoint_model.sql|" + CLOCK.millis(),
            "jobqueue|3|V3__job_kind.sql|" + CLOCK.millis());
  }

  @Test
  void earlierBookkeepingIsCarriedOverNotAppliedAgain() throws Exception {
    DataSource db = JdbcDataSources.sqlite(dir.resolve("old.db"));
    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      for (String sql : JdbcMigrations.statements(JdbcJobStore.MIGRATIONS.read("V1__jobs.sql"))) {
        st.execute(sql);
      }
      st.execute(
          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              + " applied_at BIGINT NOT NULL)");
      st.execute("INSERT INTO schema_migrations VALUES (1, 'V1__jobs.sql', 1700000000123)");
      st.execute("UPDATE job_counters SET value = 7 WHERE name = 'jobs'");
      st.execute(
          "INSERT INTO jobs (id, seq, project, status, priority, payload, created_at, attempt)"
              + " VALUES ('ftjob-old', 7, 'p', 'succeeded', 0, '{}', 1700000000123, 1)");
      // another module's earlier table, kept in seconds
      st.execute("CREATE TABLE notes (id TEXT PRIMARY KEY)");
      st.execute(
          "CREATE TABLE notes_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              + " applied_at BIGINT NOT NULL)");
      st.execute("INSERT INTO notes_schema VALUES (1, 'V1__notes.sql', 1700000000)");
    }
    SchemaMigrations notes =
        new SchemaMigrations(
            "notes",
            JdbcMigrationsTest.class,
            List.of("V1__notes.sql"),
            new SchemaMigrations.LegacyBookkeeping("notes_schema", TimeUnit.SECONDS));

    assertThat(
            JdbcMigrations.migrate(
                db, JdbcDialect.SQLITE, CLOCK, List.of(JdbcJobStore.MIGRATIONS, notes)))
        .as("only what came after the earlier runner's last version")
        .containsExactly("V2__checkpoint_model.sql", "V3__job_kind.sql");

    assertThat(
            SqlRows.of(
                db, "SELECT module, version, name, applied_at FROM schema_versions ORDER BY 1"))
        .containsExactly(
            "jobqueue|1|V1__jobs.sql|1700000000123",
            "jobqueue|2|V2__checkpoint_model.sql|" + CLOCK.millis(),
            "jobqueue|3|V3__job_kind.sql|" + CLOCK.millis(),
            "notes|1|V1__notes.sql|1700000000000");
    assertThat(
            SqlRows.of(
                db,
                "SELECT name FROM sqlite_master WHERE name IN ('schema_migrations',"
                    + " 'notes_schema')"))
        .isEmpty();
    assertThat(SqlRows.of(db, "SELECT value FROM job_counters")).containsExactly("7");
    assertThat(SqlRows.of(db, "SELECT id, kind FROM jobs"))
        .as("a job from before kinds is a fine-tuning job")
        .containsExactly("ftjob-old|fine_tune");
  }
}
