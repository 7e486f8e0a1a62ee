package dev.lathe.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The {@code job_progress} table: the fields of a {@code fine_tuning.job} that only the job handler
 * knows ({@code hyperparameters} once resolved, {@code trained_tokens}, {@code estimated_finish},
 * {@code fine_tuned_model}, {@code result_files}), kept as one JSON object per job. (Rows written
 * before schema version 4 also hold a {@code checkpoint_models} object, no longer read: a
 * checkpoint's model name is on its row in the job queue.) Only the worker holding a job's lease
 * writes it; the routes read it.
 */
public final class JobProgress {

  private final DataSource dataSource;
  private final ObjectMapper json;

  public JobProgress(DataSource dataSource, ObjectMapper json) {
    this.dataSource = dataSource;
    this.json = json;
  }

  /** The job's fields so far (an empty object when nothing was recorded). */
  public ObjectNode get(String jobId) {
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
  public ObjectNode merge(String jobId, ObjectNode fields) {
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
}
