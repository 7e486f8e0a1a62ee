package dev.lathe.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The {@code job_progress} table: the fields of a {@code fine_tuning.job} that only the job handler
 * knows ({@code hyperparameters} once resolved, {@code trained_tokens}, {@code estimated_finish},
 * {@code fine_tuned_model}, {@code result_files}) and the model name of each checkpoint, kept as
 * one JSON object per job. Only the worker holding a job's lease writes it; the routes read it.
 */
final class JobProgress {

  /** Key of the object mapping a checkpoint step ("120") to its model name. */
  static final String CHECKPOINT_MODELS = "checkpoint_models";

  private final DataSource dataSource;
  private final ObjectMapper json;

  JobProgress(DataSource dataSource, ObjectMapper json) {
    this.dataSource = dataSource;
    this.json = json;
  }

  /** The job's fields so far (an empty object when nothing was recorded). */
  ObjectNode get(String jobId) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT fields FROM job_progress WHERE job_id = ?")) {
      ps.setString(1, jobId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? (ObjectNode) json.readTree(rs.getString(1)) : json.createObjectNode();
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot read the progress of job " + jobId, e);
    }
  }

  /** Sets the top-level keys of {@code fields} (others are kept); returns the whole object. */
  ObjectNode merge(String jobId, ObjectNode fields) {
    ObjectNode all = get(jobId);
    all.setAll(fields);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO job_progress (job_id, fields) VALUES (?, ?)"
                    + " ON CONFLICT (job_id) DO UPDATE SET fields = excluded.fields")) {
      ps.setString(1, jobId);
      ps.setString(2, json.writeValueAsString(all));
      ps.executeUpdate();
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot record the progress of job " + jobId, e);
    }
    return all;
  }

  /** The model name of each kept checkpoint, by step, ascending. */
  TreeMap<Long, String> checkpointModels(String jobId) {
    TreeMap<Long, String> names = new TreeMap<>();
    get(jobId)
        .path(CHECKPOINT_MODELS)
        .properties()
        .forEach(e -> names.put(Long.parseLong(e.getKey()), e.getValue().asText()));
    return names;
  }

  /** Replaces the checkpoint model names with {@code names}. */
  void checkpointModels(String jobId, Map<Long, String> names) {
    ObjectNode update = json.createObjectNode();
    ObjectNode o = update.putObject(CHECKPOINT_MODELS);
    names.forEach((step, model) -> o.put(Long.toString(step), model));
    merge(jobId, update);
  }
}
