package dev.lathe.server.store;

import dev.lathe.server.http.Caller;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code models} table: fine-tuned and checkpoint models ({@code ft:BASE:ORG:SUFFIX:ID} and
 * {@code …:ckpt-step-N}), each a base plus an adapter directory, owned by a project. Rows are
 * written by the job handler: a checkpoint's model at its epoch end, the final model when the job
 * succeeds.
 */
public final class FineTunedModels {

  /**
   * One fine-tuned model row; {@code created} is stored to the millisecond (the API shows seconds).
   */
  public record Row(
      String id,
      String project,
      Instant created,
      String baseModel,
      String adapterDir,
      String jobId) {}

  private final DataSource dataSource;

  public FineTunedModels(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void insert(Row r) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO models (id, project, created, base_model, adapter_dir, job_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, r.id());
      ps.setString(2, r.project());
      ps.setLong(3, r.created().toEpochMilli());
      ps.setString(4, r.baseModel());
      ps.setString(5, r.adapterDir());
      ps.setString(6, r.jobId());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record model " + r.id(), e);
    }
  }

  /** Inserts {@code r} unless a model of that id exists (a resumed job registers again). */
  public void insertIfAbsent(Row r) {
    if (query("SELECT * FROM models WHERE id = ?", r.id()).isEmpty()) {
      insert(r);
    }
  }

  public Optional<Row> find(String id, Caller caller) {
    return query("SELECT * FROM models WHERE id = ?", id).stream()
        .filter(r -> caller.sees(r.project()))
        .findFirst();
  }

  /** The models the caller sees, oldest first. */
  public List<Row> list(Caller caller) {
    return caller.admin()
        ? query("SELECT * FROM models ORDER BY created, id", null)
        : query("SELECT * FROM models WHERE project = ? ORDER BY created, id", caller.project());
  }

  public boolean delete(String id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM models WHERE id = ?")) {
      ps.setString(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete model " + id, e);
    }
  }

  private List<Row> query(String sql, String arg) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      if (arg != null) {
        ps.setString(1, arg);
      }
      List<Row> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new Row(
                  rs.getString("id"),
                  rs.getString("project"),
                  Instant.ofEpochMilli(rs.getLong("created")),
                  rs.getString("base_model"),
                  rs.getString("adapter_dir"),
                  rs.getString("job_id")));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read models", e);
    }
  }
}
