package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.testkit.SqlRows;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database written by the previous schema (commit ffd12b2: two migration runners, two bookkeeping
 * tables, the server's times in seconds) opens with this code, migrates, and serves its job (with
 * events and checkpoints), files (with the validation report) and fine-tuned and checkpoint models
 * through the HTTP API exactly as the old code served them. The fixture is built from a verbatim
 * copy of the old schema files ({@code schema-ffd12b2/}) and rows inserted as the old code wrote
 * them. On SQLite and on PostgreSQL.
 */
class OldDatabaseTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String JOB = "ftjob-OldSchemaJob0000000001";
  private static final String TRAINING = "file-OldSchemaTraining00001";
  private static final String RESULTS = "file-OldSchemaResults000001";
  private static final String MODEL = "ft:stories260k:proj_a:old:OlD12345";
  private static final String CKPT_10 = MODEL + ":ckpt-step-10";
  private static final String CKPT_20 = MODEL + ":ckpt-step-20";

  /** Seconds (the server's old tables) and milliseconds (the job queue's), as written then. */
  private static final long FILE_CREATED_S = 1_763_799_000L;

  private static final long RESULTS_CREATED_S = 1_763_800_300L;
  private static final long MODEL_CREATED_S = 1_763_800_301L;
  private static final long CKPT_10_CREATED_S = 1_763_800_100L;
  private static final long CKPT_20_CREATED_S = 1_763_800_200L;
  private static final long JOB_CREATED_MS = 1_763_800_000_123L;
  private static final long JOB_STARTED_MS = 1_763_800_005_456L;
  private static final long JOB_FINISHED_MS = 1_763_800_300_789L;
  private static final long MIGRATED_MS = 1_763_000_000_999L;
  private static final long MIGRATED_S = 1_763_000_000L;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void oldDatabaseMigratesAndServesItsJobsFilesAndModelsUnchanged(TestDatabase database)
      throws Exception {
    Path dataDir = Files.createDirectories(dir.resolve(database.name()));
    String url = database.freshDbUrl();
    DataSource db =
        url == null
            ? JdbcDataSources.sqlite(dataDir.resolve("lathe.db"))
            : JdbcDataSources.postgresql(url, null, null);
    String report = validationReport();
    String progress = progress();
    writeOldDatabase(db, report, progress);

    try (TestServer server = TestServer.onExistingDatabase(dataDir, url)) {
      LatheHttp http = new LatheHttp(server, TestServer.KEY_A);

      JsonNode file = ok(http, "/files/" + TRAINING);
      assertThat(file.get("created_at").asLong()).isEqualTo(FILE_CREATED_S);
      assertThat(file.get("bytes").asLong()).isEqualTo(321);
      assertThat(file.get("filename").asText()).isEqualTo("train.jsonl");
      assertThat(file.get("purpose").asText()).isEqualTo("fine-tune");
      assertThat(file.get("status").asText()).isEqualTo("processed");
      JsonNode files = ok(http, "/files?order=asc").get("data");
      assertThat(files.findValuesAsText("id")).containsExactly(TRAINING, RESULTS);
      assertThat(files.get(1).get("created_at").asLong()).isEqualTo(RESULTS_CREATED_S);
      ObjectNode expectedReport = JSON.createObjectNode();
      expectedReport.put("object", "lathe.validation_report");
      expectedReport.put("file_id", TRAINING);
      expectedReport.setAll((ObjectNode) JSON.readTree(report));
      assertThat(ok(http, "/lathe/files/" + TRAINING + "/validation")).isEqualTo(expectedReport);

      JsonNode model = ok(http, "/models/" + MODEL);
      assertThat(model.get("created").asLong()).isEqualTo(MODEL_CREATED_S);
      assertThat(model.get("owned_by").asText()).isEqualTo("proj_a");
      JsonNode ckpt = ok(http, "/models/" + CKPT_10);
      assertThat(ckpt.get("created").asLong()).isEqualTo(CKPT_10_CREATED_S);
      List<String> listed = new ArrayList<>();
      ok(http, "/models").get("data").forEach(m -> listed.add(m.get("id").asText()));
      assertThat(listed).containsSubsequence(CKPT_10, CKPT_20, MODEL);

      JsonNode job = ok(http, "/fine_tuning/jobs/" + JOB);
      assertThat(job.get("status").asText()).isEqualTo("succeeded");
      assertThat(job.get("created_at").asLong()).isEqualTo(JOB_CREATED_MS / 1000);
      assertThat(job.get("finished_at").asLong()).isEqualTo(JOB_FINISHED_MS / 1000);
      assertThat(job.get("model").asText()).isEqualTo("stories260k");
      assertThat(job.get("training_file").asText()).isEqualTo(TRAINING);
      assertThat(job.get("fine_tuned_model").asText()).isEqualTo(MODEL);
      assertThat(job.get("trained_tokens").asLong()).isEqualTo(1234);
      assertThat(job.get("result_files").get(0).asText()).isEqualTo(RESULTS);
      assertThat(job.get("seed").asInt()).isEqualTo(42);
      assertThat(job.get("user_provided_suffix").asText()).isEqualTo("old");
      assertThat(job.get("hyperparameters").get("n_epochs").asInt()).isEqualTo(2);
      assertThat(
              job.get("method").get("supervised").get("hyperparameters").get("batch_size").asInt())
          .isEqualTo(4);

      JsonNode events = ok(http, "/fine_tuning/jobs/" + JOB + "/events").get("data");
      assertThat(events.findValuesAsText("message"))
          .containsExactly(
              "The job has successfully completed",
              "Step 1/20: training loss=2.5",
              "Created fine-tuning job: " + JOB);
      assertThat(events.get(2).get("created_at").asLong()).isEqualTo(JOB_CREATED_MS / 1000);
      assertThat(events.get(1).get("data").get("train_loss").asDouble()).isEqualTo(2.5);

      JsonNode checkpoints = ok(http, "/fine_tuning/jobs/" + JOB + "/checkpoints").get("data");
      assertThat(checkpoints.findValuesAsText("fine_tuned_model_checkpoint"))
          .containsExactly(CKPT_20, CKPT_10);
      assertThat(checkpoints.get(0).get("step_number").asLong()).isEqualTo(20);
      assertThat(checkpoints.get(0).get("created_at").asLong())
          .isEqualTo(JOB_STARTED_MS / 1000 + 200);
      assertThat(checkpoints.get(0).get("metrics").get("train_loss").asDouble()).isEqualTo(1.5);

      // one bookkeeping table: the old versions carried over (not applied again), then the
      // conversion to one time unit
      assertThat(SqlRows.of(db, "SELECT module, version, applied_at FROM schema_versions"))
          .containsExactlyInAnyOrder(
              "jobqueue|1|" + MIGRATED_MS,
              "server|1|" + MIGRATED_S * 1000,
              "server|2|" + MIGRATED_S * 1000,
              "server|3|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli(),
              "jobqueue|2|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli(),
              "server|4|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli(),
              "server|5|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli(),
              "jobqueue|3|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli(),
              "server|6|" + Instant.parse("2026-11-22T12:00:00Z").toEpochMilli());
      assertThat(SqlRows.of(db, "SELECT created_at FROM files WHERE id = '" + TRAINING + "'"))
          .containsExactly(Long.toString(FILE_CREATED_S * 1000));
      assertThat(SqlRows.of(db, "SELECT created FROM models WHERE id = '" + MODEL + "'"))
          .containsExactly(Long.toString(MODEL_CREATED_S * 1000));
    }
  }

  /** The old schema, its bookkeeping and one finished job's rows, as the old code wrote them. */
  private static void writeOldDatabase(DataSource db, String report, String progress)
      throws Exception {
    try (Connection c = db.getConnection();
        Statement st = c.createStatement()) {
      for (String file :
          List.of(
              "bookkeeping.sql", "V1__jobs.sql", "V1__files_models.sql", "V2__job_progress.sql")) {
        for (String sql : statements(resource(file))) {
          st.execute(sql);
        }
      }
      st.execute("INSERT INTO schema_migrations VALUES (1, 'V1__jobs.sql', " + MIGRATED_MS + ")");
      st.execute(
          "INSERT INTO server_schema_migrations VALUES (1, 'V1__files_models.sql', "
              + MIGRATED_S
              + "), (2, 'V2__job_progress.sql', "
              + MIGRATED_S
              + ")");
      st.execute("UPDATE job_counters SET value = 1 WHERE name = 'jobs'");
    }
    ObjectNode hyper = JSON.createObjectNode();
    hyper.put("n_epochs", 2).put("batch_size", 4).put("learning_rate_multiplier", 1.0);
    ObjectNode payload = JSON.createObjectNode();
    payload.put("model", "stories260k");
    payload.put("training_file", TRAINING);
    payload.putNull("validation_file");
    payload.put("suffix", "old");
    payload.put("seed", 42);
    ObjectNode method = payload.putObject("method");
    method.put("type", "supervised");
    method.putObject("supervised").set("hyperparameters", hyper);
    payload.set("hyperparameters", hyper.deepCopy());
    payload.putNull("metadata");
    payload.putArray("integrations");
    SqlRows.update(
        db,
        "INSERT INTO jobs (id, seq, project, status, priority, payload, result, created_at,"
            + " started_at, finished_at, attempt, last_event_seq) VALUES"
            + " (?, 1, 'proj_a', 'succeeded', 0, ?, ?, ?, ?, ?, 1, 3)",
        JOB,
        JSON.writeValueAsString(payload),
        progress,
        JOB_CREATED_MS,
        JOB_STARTED_MS,
        JOB_FINISHED_MS);
    String event =
        "INSERT INTO job_events (id, job_id, seq, idempotency_key, created_at, level, message,"
            + " type, data) VALUES (?, ?, ?, ?, ?, 'info', ?, ?, ?)";
    SqlRows.update(
        db,
        event,
        "ftevent-old1",
        JOB,
        1,
        null,
        JOB_CREATED_MS,
        "Created fine-tuning job: " + JOB,
        "message",
        null);
    SqlRows.update(
        db,
        event,
        "ftevent-old2",
        JOB,
        2,
        "step-1",
        JOB_STARTED_MS + 1000,
        "Step 1/20: training loss=2.5",
        "metrics",
        "{\"step\":1,\"train_loss\":2.5,\"total_steps\":20}");
    SqlRows.update(
        db,
        event,
        "ftevent-old3",
        JOB,
        3,
        null,
        JOB_FINISHED_MS,
        "The job has successfully completed",
        "message",
        "{}");
    String checkpoint =
        "INSERT INTO job_checkpoints (id, job_id, step, created_at, metrics, location)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    SqlRows.update(
        db,
        checkpoint,
        "ftckpt-old10",
        JOB,
        10,
        JOB_STARTED_MS + 100_000,
        "{\"step\":10,\"train_loss\":2.0}",
        "/old/run/checkpoint-step-10");
    SqlRows.update(
        db,
        checkpoint,
        "ftckpt-old20",
        JOB,
        20,
        JOB_STARTED_MS + 200_000,
        "{\"step\":20,\"train_loss\":1.5}",
        "/old/run/checkpoint-step-20");
    String file =
        "INSERT INTO files (id, seq, project, bytes, created_at, filename, purpose, status,"
            + " sha256, storage_name, validation) VALUES (?, ?, 'proj_a', ?, ?, ?, ?, 'processed',"
            + " ?, ?, ?)";
    SqlRows.update(
        db,
        file,
        TRAINING,
        1,
        321,
        FILE_CREATED_S,
        "train.jsonl",
        "fine-tune",
        "ab".repeat(32),
        TRAINING,
        report);
    SqlRows.update(
        db,
        file,
        RESULTS,
        2,
        99,
        RESULTS_CREATED_S,
        "step_metrics.csv",
        "fine-tune-results",
        "cd".repeat(32),
        RESULTS,
        null);
    String model =
        "INSERT INTO models (id, project, created, base_model, adapter_dir, job_id)"
            + " VALUES (?, 'proj_a', ?, 'stories260k', ?, ?)";
    SqlRows.update(
        db, model, CKPT_10, CKPT_10_CREATED_S, "/old/run/checkpoint-step-10/adapter", JOB);
    SqlRows.update(
        db, model, CKPT_20, CKPT_20_CREATED_S, "/old/run/checkpoint-step-20/adapter", JOB);
    SqlRows.update(db, model, MODEL, MODEL_CREATED_S, "/old/run/adapter", JOB);
    SqlRows.update(db, "INSERT INTO job_progress (job_id, fields) VALUES (?, ?)", JOB, progress);
  }

  private static String progress() {
    ObjectNode o = JSON.createObjectNode();
    o.putObject("hyperparameters")
        .put("n_epochs", 2)
        .put("batch_size", 4)
        .put("learning_rate_multiplier", 1.0);
    o.put("trained_tokens", 1234);
    o.put("fine_tuned_model", MODEL);
    o.putArray("result_files").add(RESULTS);
    o.putObject("checkpoint_models").put("10", CKPT_10).put("20", CKPT_20);
    return o.toString();
  }

  /** The validator's report on a small chat file, stored as the upload stored it. */
  private String validationReport() throws IOException {
    Path jsonl = dir.resolve("train.jsonl");
    Files.writeString(
        jsonl,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
            + "{\"role\":\"assistant\",\"content\":\"Hello\"}]}\n");
    return JSON.writeValueAsString(new DatasetValidator().validate(jsonl));
  }

  /** The body of a 200 answer to {@code GET path}. */
  private static JsonNode ok(LatheHttp http, String path) throws Exception {
    LatheHttp.Reply reply = http.get(path);
    assertThat(reply.status()).as("GET %s: %s", path, reply.body()).isEqualTo(200);
    return reply.body();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = OldDatabaseTest.class.getResourceAsStream("schema-ffd12b2/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The old runners' split: statements end with a semicolon at a line's end; skip comments. */
  private static List<String> statements(String script) {
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
    return out;
  }
}
