package dev.lathe.jobqueue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/** Maps rows of the three tables to records and back. */
final class JdbcRows {

  static final String JOB_COLUMNS =
      "id, seq, project, status, priority, payload, result, error, created_at, started_at,"
          + " finished_at, attempt, lease_owner, lease_expires_at, heartbeat_at, cancel_requested,"
          + " pause_requested";

  /** The columns a move may change, in the order {@link #bindMutable} binds them. */
  static final String JOB_UPDATE =
      "UPDATE jobs SET status = ?, result = ?, error = ?, started_at = ?, finished_at = ?,"
          + " attempt = ?, lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?,"
          + " cancel_requested = ?, pause_requested = ? WHERE id = ?";

  static final String EVENT_COLUMNS =
      "id, job_id, seq, idempotency_key, created_at, level, message, type, data";

  static final String CHECKPOINT_COLUMNS = "id, job_id, step, created_at, metrics, location";

  private JdbcRows() {}

  static Job job(ResultSet rs) throws SQLException {
    return new Job(
        rs.getString("id"),
        rs.getLong("seq"),
        rs.getString("project"),
        JobStatus.fromWire(rs.getString("status")),
        rs.getInt("priority"),
        rs.getString("payload"),
        rs.getString("result"),
        rs.getString("error"),
        instant(rs, "created_at"),
        instant(rs, "started_at"),
        instant(rs, "finished_at"),
        rs.getInt("attempt"),
        rs.getString("lease_owner"),
        instant(rs, "lease_expires_at"),
        instant(rs, "heartbeat_at"),
        rs.getInt("cancel_requested") != 0,
        rs.getInt("pause_requested") != 0);
  }

  /** Binds {@link #JOB_UPDATE}'s parameters from the job's new version. */
  static void bindMutable(PreparedStatement ps, Job j) throws SQLException {
    ps.setString(1, j.status().wireName());
    ps.setString(2, j.result());
    ps.setString(3, j.error());
    setInstant(ps, 4, j.startedAt());
    setInstant(ps, 5, j.finishedAt());
    ps.setInt(6, j.attempt());
    ps.setString(7, j.leaseOwner());
    setInstant(ps, 8, j.leaseExpiresAt());
    setInstant(ps, 9, j.heartbeatAt());
    ps.setInt(10, j.cancelRequested() ? 1 : 0);
    ps.setInt(11, j.pauseRequested() ? 1 : 0);
    ps.setString(12, j.id());
  }

  static JobEvent event(ResultSet rs) throws SQLException {
    return new JobEvent(
        rs.getString("id"),
        rs.getString("job_id"),
        rs.getLong("seq"),
        rs.getString("idempotency_key"),
        instant(rs, "created_at"),
        EventLevel.fromWire(rs.getString("level")),
        rs.getString("message"),
        rs.getString("type"),
        rs.getString("data"));
  }

  static Checkpoint checkpoint(ResultSet rs) throws SQLException {
    return new Checkpoint(
        rs.getString("id"),
        rs.getString("job_id"),
        rs.getLong("step"),
        instant(rs, "created_at"),
        rs.getString("metrics"),
        rs.getString("location"));
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  static void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, t.toEpochMilli());
    }
  }
}
