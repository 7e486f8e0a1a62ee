package dev.lathe.jobqueue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

/**
 * Maps rows of the three tables to records and back. The mappers read columns by position: each
 * reads rows selected with its {@code *_COLUMNS} list, in that order (a lookup by name costs a
 * column-name map per result set, on every read request).
 */
final class JdbcRows {

  static final String JOB_COLUMNS =
      "id, seq, project, kind, status, priority, payload, result, error, created_at,"
          + " started_at, finished_at, attempt, lease_owner, lease_expires_at, heartbeat_at,"
          + " cancel_requested, pause_requested";

  /** The columns a move may change, in the order {@link #bindMutable} binds them. */
  static final String JOB_UPDATE =
      "UPDATE jobs SET status = ?, result = ?, error = ?, started_at = ?, finished_at = ?,"
          + " attempt = ?, lease_owner = ?, lease_expires_at = ?, heartbeat_at = ?,"
          + " cancel_requested = ?, pause_requested = ? WHERE id = ?";

  static final String EVENT_COLUMNS =
      "id, job_id, seq, idempotency_key, created_at, level, message, type, data";

  static final String CHECKPOINT_COLUMNS = "id, job_id, step, created_at, metrics, location, model";

  private JdbcRows() {}

  static Job job(ResultSet rs) throws SQLException {
    return new Job(
        rs.getString(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        JobStatus.fromWire(rs.getString(5)),
        rs.getInt(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        instant(rs, 10),
        instant(rs, 11),
        instant(rs, 12),
        rs.getInt(13),
        rs.getString(14),
        instant(rs, 15),
        instant(rs, 16),
        rs.getInt(17) != 0,
        rs.getInt(18) != 0);
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
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getString(4),
        instant(rs, 5),
        EventLevel.fromWire(rs.getString(6)),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9));
  }

  static Checkpoint checkpoint(ResultSet rs) throws SQLException {
    return new Checkpoint(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        instant(rs, 4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7));
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
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
