package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.JdbcMigrations;
import dev.lathe.jobqueue.SchemaMigrations;
import dev.lathe.server.store.ServerSchema;
import dev.lathe.testkit.SqlRows;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Schema version 4 moves each checkpoint's model name onto its row in {@code job_checkpoints}. Rows
 * written at version 3 kept the names in {@code job_progress.checkpoint_models} and left the older
 * epochs' checkpoints in the table (hidden) when only the newest three were kept. The names are
 * recovered from the {@code models} rows: a checkpoint's own model is served from inside its
 * directory, the last one's is the job's final model, and the hidden ones go. On SQLite and
 * PostgreSQL.
 */
class CheckpointModelsMigrationTest {
  private static final InstantSource CLOCK =
      InstantSource.fixed(Instant.parse("2026-12-01T00:00:00Z"));
  private static final String DONE = "ftjob-Done";
  private static final String RUNNING = "ftjob-Running";
  private static final String FINAL = "ft:m:p::Fin";

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void versionFourNamesEachKeptCheckpointsModelAndDropsTheHiddenOnes(TestDatabase database)
      throws Exception {
    String url = database.freshDbUrl();
    DataSource db =
        url == null
            ? JdbcDataSources.sqlite(Files.createDirectories(dir).resolve("lathe.db"))
            : JdbcDataSources.postgresql(url, null, null);
    JdbcDialect dialect = url == null ? JdbcDialect.SQLITE : JdbcDialect.POSTGRESQL;
    // the schema as version 3 left it
    JdbcMigrations.migrate(
        db,
        dialect,
        CLOCK,
        List.of(
            new SchemaMigrations("jobqueue", JdbcJobStore.class, List.of("V1__jobs.sql"), null),
            new SchemaMigrations(
                "server",
                ServerSchema.class,
                List.of("V1__files_models.sql", "V2__job_progress.sql", "V3__milliseconds.sql"),
                null)));
    job(db, DONE, 1, "succeeded");
    job(db, RUNNING, 2, "running");
    // four epochs: step 5's model was removed when 20 came (only three are kept), the last one's
    // model is the final model; one checkpoint was a LoRA adapter, one merged over an ft: start
    for (int step : new int[] {5, 10, 15, 20}) {
      checkpoint(db, DONE, step);
    }
    model(db, "ft:m:p::A:ckpt-step-10", DONE, "/run/checkpoints/checkpoint-step-10/adapter");
    model(db, "ft:m:p::B:ckpt-step-15", DONE, "/run/checkpoints/checkpoint-step-15/merged");
    model(db, FINAL, DONE, "/run/merged");
    // a job still running: one epoch checkpoint, no final model yet
    checkpoint(db, RUNNING, 3);
    model(db, "ft:m:p::C:ckpt-step-3", RUNNING, "/run2/checkpoints/checkpoint-step-3/adapter");

    ServerSchema.migrate(db, url != null, CLOCK);

    assertThat(SqlRows.of(db, "SELECT job_id, step, model FROM job_checkpoints ORDER BY 1, 2"))
        .containsExactly(
            DONE + "|10|ft:m:p::A:ckpt-step-10",
            DONE + "|15|ft:m:p::B:ckpt-step-15",
            DONE + "|20|" + FINAL,
            RUNNING + "|3|ft:m:p::C:ckpt-step-3");
  }

  private static void job(DataSource db, String id, int seq, String status) throws Exception {
    SqlRows.update(
        db,
        "INSERT INTO jobs (id, seq, project, status, priority, payload, created_at, attempt)"
            + " VALUES (?, ?, 'p', ?, 0, '{}', 1, 1)",
        id,
        seq,
        status);
  }

  private static void checkpoint(DataSource db, String job, int step) throws Exception {
    SqlRows.update(
        db,
        "INSERT INTO job_checkpoints (id, job_id, step, created_at, metrics, location)"
            + " VALUES (?, ?, ?, 1, '{}', ?)",
        "ftckpt_" + job + step,
        job,
        step,
        (job.equals(DONE) ? "/run" : "/run2") + "/checkpoints/checkpoint-step-" + step);
  }

  private static void model(DataSource db, String id, String job, String directory)
      throws Exception {
    SqlRows.update(
        db,
        "INSERT INTO models (id, project, created, base_model, adapter_dir, job_id)"
            + " VALUES (?, 'p', 1, 'm', ?, ?)",
        id,
        directory,
        job);
  }
}
