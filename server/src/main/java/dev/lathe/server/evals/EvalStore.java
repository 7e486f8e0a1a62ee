package dev.lathe.server.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code evals}, {@code eval_runs} and {@code eval_output_items} tables (server migration
 * {@code V6__evals.sql}): JSON kept as text, times in epoch milliseconds, creation order from a
 * counter row taken under its lock. An output item is written once per (run, item index): a second
 * write of the same item (a resumed run racing a late one) changes nothing.
 */
public final class EvalStore {

  /** An eval as stored. */
  public record Eval(
      String id,
      String project,
      String name,
      Instant createdAt,
      JsonNode dataSourceConfig,
      JsonNode testingCriteria,
      JsonNode metadata) {}

  /**
   * A run as stored; its status is its job's.
   *
   * @param model the model the run samples, or null when it grades the data's own samples
   * @param progress what the items done so far add up to
   */
  public record Run(
      String id,
      String evalId,
      String project,
      String jobId,
      String name,
      String model,
      Instant createdAt,
      JsonNode dataSource,
      JsonNode metadata,
      RunProgress progress) {}

  /** One graded data item of a run. {@code status}: pass, fail or error. */
  public record OutputItem(
      String id,
      String runId,
      long index,
      Instant createdAt,
      String status,
      JsonNode datasourceItem,
      JsonNode sample,
      JsonNode results) {}

  private static final String EVAL_COLUMNS =
      "id, project, name, created_at, data_source_config, testing_criteria, metadata";
  private static final String RUN_COLUMNS =
      "id, eval_id, project, job_id, name, model, created_at, data_source, metadata,"
          + " result_counts, per_criterion, per_model_usage";
  private static final String ITEM_COLUMNS =
      "id, run_id, item_index, created_at, status, datasource_item, sample, results";

  private final DataSource db;
  private final ObjectMapper json;

  public EvalStore(DataSource db, ObjectMapper json) {
    this.db = db;
    this.json = json;
  }

  // --- evals ---

  public void insert(Eval e) {
    inTransaction(
        "store eval " + e.id(),
        c -> {
          long seq = nextSeq(c, "evals");
          update(
              c,
              "INSERT INTO evals (" + EVAL_COLUMNS + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              e.id(),
              e.project(),
              e.name(),
              e.createdAt().toEpochMilli(),
              text(e.dataSourceConfig()),
              text(e.testingCriteria()),
              text(e.metadata()),
              seq);
          return null;
        });
  }

  public Optional<Eval> eval(String id) {
    return query("SELECT " + EVAL_COLUMNS + " FROM evals WHERE id = ?", this::evalRow, id).stream()
        .findFirst();
  }

  /** The project's evals (every project's for null) in creation order, oldest first. */
  public List<Eval> evals(String project) {
    return project == null
        ? query("SELECT " + EVAL_COLUMNS + " FROM evals ORDER BY seq", this::evalRow)
        : query(
            "SELECT " + EVAL_COLUMNS + " FROM evals WHERE project = ? ORDER BY seq",
            this::evalRow,
            project);
  }

  public void rename(String id, String name, JsonNode metadata) {
    inTransaction(
        "update eval " + id,
        c ->
            update(
                c,
                "UPDATE evals SET name = ?, metadata = ? WHERE id = ?",
                name,
                text(metadata),
                id));
  }

  /** Removes the eval, its runs and their output items. */
  public void deleteEval(String id) {
    inTransaction(
        "delete eval " + id,
        c -> {
          update(
              c,
              "DELETE FROM eval_output_items WHERE run_id IN (SELECT id FROM eval_runs WHERE"
                  + " eval_id = ?)",
              id);
          update(c, "DELETE FROM eval_runs WHERE eval_id = ?", id);
          return update(c, "DELETE FROM evals WHERE id = ?", id);
        });
  }

  // --- runs ---

  public void insert(Run r) {
    inTransaction(
        "store eval run " + r.id(),
        c -> {
          long seq = nextSeq(c, "eval_runs");
          update(
              c,
              "INSERT INTO eval_runs ("
                  + RUN_COLUMNS
                  + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              r.id(),
              r.evalId(),
              r.project(),
              r.jobId(),
              r.name(),
              r.model(),
              r.createdAt().toEpochMilli(),
              text(r.dataSource()),
              text(r.metadata()),
              text(r.progress().resultCounts(json)),
              text(r.progress().perCriterion(json)),
              text(r.progress().perModelUsage(json)),
              seq);
          return null;
        });
  }

  public Optional<Run> run(String id) {
    return query("SELECT " + RUN_COLUMNS + " FROM eval_runs WHERE id = ?", this::runRow, id)
        .stream()
        .findFirst();
  }

  /** The eval's runs in creation order, oldest first. */
  public List<Run> runs(String evalId) {
    return query(
        "SELECT " + RUN_COLUMNS + " FROM eval_runs WHERE eval_id = ? ORDER BY seq",
        this::runRow,
        evalId);
  }

  /** Removes the run and its output items; whether it was there. */
  public boolean deleteRun(String id) {
    return inTransaction(
        "delete eval run " + id,
        c -> {
          update(c, "DELETE FROM eval_output_items WHERE run_id = ?", id);
          return update(c, "DELETE FROM eval_runs WHERE id = ?", id) > 0;
        });
  }

  // --- output items ---

  /**
   * Writes the finished item unless the run already has one at its index, and in the same
   * transaction adds it to the run's progress; whether it was written. The run's row is written
   * first, so concurrent writers of one run take turns (its lock on PostgreSQL, the write lock on
   * SQLite) and each adds to the progress the last one left.
   */
  public boolean record(OutputItem i, RunProgress.ItemOutcome outcome, Map<String, long[]> usage) {
    return inTransaction(
        "store output item " + i.index() + " of " + i.runId(),
        c -> {
          if (update(c, "UPDATE eval_runs SET seq = seq WHERE id = ?", i.runId()) == 0) {
            return false; // the run was deleted
          }
          int written =
              update(
                  c,
                  "INSERT INTO eval_output_items ("
                      + ITEM_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, item_index) DO"
                      + " NOTHING",
                  i.id(),
                  i.runId(),
                  i.index(),
                  i.createdAt().toEpochMilli(),
                  i.status(),
                  text(i.datasourceItem()),
                  text(i.sample()),
                  text(i.results()));
          if (written == 0) {
            return false;
          }
          RunProgress now =
              select(
                      c,
                      "SELECT " + RUN_COLUMNS + " FROM eval_runs WHERE id = ?",
                      this::runRow,
                      i.runId())
                  .getFirst()
                  .progress()
                  .plus(outcome, usage);
          update(
              c,
              "UPDATE eval_runs SET result_counts = ?, per_criterion = ?, per_model_usage = ?"
                  + " WHERE id = ?",
              text(now.resultCounts(json)),
              text(now.perCriterion(json)),
              text(now.perModelUsage(json)),
              i.runId());
          return true;
        });
  }

  /** The run's output items by item index. */
  public List<OutputItem> items(String runId) {
    return query(
        "SELECT " + ITEM_COLUMNS + " FROM eval_output_items WHERE run_id = ? ORDER BY item_index",
        this::itemRow,
        runId);
  }

  public Optional<OutputItem> item(String runId, String itemId) {
    return query(
            "SELECT " + ITEM_COLUMNS + " FROM eval_output_items WHERE run_id = ? AND id = ?",
            this::itemRow,
            runId,
            itemId)
        .stream()
        .findFirst();
  }

  // --- rows ---

  private Eval evalRow(ResultSet rs) throws SQLException, JsonProcessingException {
    return new Eval(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        Instant.ofEpochMilli(rs.getLong(4)),
        json.readTree(rs.getString(5)),
        json.readTree(rs.getString(6)),
        json.readTree(rs.getString(7)));
  }

  private Run runRow(ResultSet rs) throws SQLException, JsonProcessingException {
    return new Run(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        Instant.ofEpochMilli(rs.getLong(7)),
        json.readTree(rs.getString(8)),
        json.readTree(rs.getString(9)),
        RunProgress.read(
            json.readTree(rs.getString(10)),
            json.readTree(rs.getString(11)),
            json.readTree(rs.getString(12))));
  }

  private OutputItem itemRow(ResultSet rs) throws SQLException, JsonProcessingException {
    return new OutputItem(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        Instant.ofEpochMilli(rs.getLong(4)),
        rs.getString(5),
        json.readTree(rs.getString(6)),
        json.readTree(rs.getString(7)),
        json.readTree(rs.getString(8)));
  }

  // --- plumbing ---

  private interface Row<T> {
    T map(ResultSet rs) throws SQLException, JsonProcessingException;
  }

  private interface Work<T> {
    T run(Connection c) throws SQLException, JsonProcessingException;
  }

  private String text(JsonNode node) throws JsonProcessingException {
    return json.writeValueAsString(node);
  }

  private static long nextSeq(Connection c, String counter) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE server_counters SET value = value + 1 WHERE name = ? RETURNING value")) {
      ps.setString(1, counter);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    }
  }

  private static <T> List<T> select(Connection c, String sql, Row<T> row, Object... args)
      throws SQLException, JsonProcessingException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<T> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row.map(rs));
        }
      }
      return out;
    }
  }

  private <T> List<T> query(String sql, Row<T> row, Object... args) {
    try (Connection c = db.getConnection()) {
      return select(c, sql, row, args);
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot read evals: " + e.getMessage(), e);
    }
  }

  private <T> T inTransaction(String operation, Work<T> work) {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | JsonProcessingException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot " + operation + ": " + e.getMessage(), e);
    }
  }
}
