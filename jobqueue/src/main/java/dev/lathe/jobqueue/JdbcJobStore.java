package dev.lathe.jobqueue;

import static dev.lathe.jobqueue.JdbcRows.CHECKPOINT_COLUMNS;
import static dev.lathe.jobqueue.JdbcRows.EVENT_COLUMNS;
import static dev.lathe.jobqueue.JdbcRows.JOB_COLUMNS;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The job store on SQLite (embedded default) or PostgreSQL (several workers on several machines),
 * with the same schema on both ({@link #MIGRATIONS}, applied at construction by {@link
 * JdbcMigrations}).
 *
 * <p>Every move of a job is: in one transaction, read the row locked ({@code FOR UPDATE} on
 * PostgreSQL, the {@code BEGIN IMMEDIATE} write lock on SQLite), apply the same pure move the
 * in-memory twin applies ({@link JobTransitions}), write the row back. The claim is the one move
 * done in a single statement: {@code UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)
 * RETURNING …}; see {@link JdbcDialect} for why that is exclusive on both databases.
 */
public final class JdbcJobStore implements JobStore {

  /**
   * The job queue's tables ({@code jobs}, {@code job_counters}, {@code job_events}, {@code
   * job_checkpoints}); before the one bookkeeping table they were recorded in {@code
   * schema_migrations}. Times are epoch milliseconds.
   */
  public static final SchemaMigrations MIGRATIONS =
      new SchemaMigrations(
          "jobqueue",
          JdbcJobStore.class,
          List.of("V1__jobs.sql", "V2__checkpoint_model.sql", "V3__job_kind.sql"),
          new SchemaMigrations.LegacyBookkeeping("schema_migrations", TimeUnit.MILLISECONDS));

  private final DataSource dataSource;
  private final JdbcDialect dialect;
  private final InstantSource clock;
  private final IdGenerator ids;

  /** Opens the store and brings its schema up to date. */
  public JdbcJobStore(
      DataSource dataSource, JdbcDialect dialect, InstantSource clock, IdGenerator ids) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ids = Objects.requireNonNull(ids, "ids");
    try {
      JdbcMigrations.migrate(dataSource, dialect, clock);
    } catch (SQLException e) {
      throw new JobStoreException("migrating the schema", e);
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  @Override
  public Job create(NewJob n) {
    return inTransaction(
        "create job",
        c -> {
          long seq;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE job_counters SET value = value + 1 WHERE name = 'jobs' RETURNING"
                      + " value")) {
            seq = single(ps.executeQuery(), rs -> rs.getLong(1)).orElseThrow();
          }
          Job job =
              new Job(
                  ids.next(IdGenerator.JOB),
                  seq,
                  n.project(),
                  n.kind(),
                  n.initialStatus(),
                  n.priority(),
                  n.payload(),
                  null,
                  null,
                  now(),
                  null,
                  null,
                  1,
                  null,
                  null,
                  null,
                  false,
                  false);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO jobs (id, seq, project, kind, status, priority, payload,"
                      + " created_at, attempt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)")) {
            ps.setString(1, job.id());
            ps.setLong(2, seq);
            ps.setString(3, job.project());
            ps.setString(4, job.kind());
            ps.setString(5, job.status().wireName());
            ps.setInt(6, job.priority());
            ps.setString(7, job.payload());
            ps.setLong(8, job.createdAt().toEpochMilli());
            ps.executeUpdate();
          }
          return job;
        });
  }

  @Override
  public Optional<Job> get(String jobId) {
    return read("get job", c -> findJob(c, jobId, ""));
  }

  @Override
  public Page<Job> list(String kind, String project, String after, int limit) {
    Page.checkLimit(limit);
    return read(
        "list jobs",
        c -> {
          long before = Long.MAX_VALUE;
          if (after != null) {
            Optional<Job> cursor = findJob(c, after, "");
            if (cursor.isEmpty()
                || !cursor.get().kind().equals(kind)
                || (project != null && !cursor.get().project().equals(project))) {
              throw new NoSuchJobException(
                  "after=" + after + " names no " + kind + " job of this project");
            }
            before = cursor.get().seq();
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + JOB_COLUMNS
                      + " FROM jobs WHERE kind = ? AND "
                      + (project == null ? "" : "project = ? AND ")
                      + "seq < ? ORDER BY seq DESC LIMIT ?")) {
            int i = 1;
            ps.setString(i++, kind);
            if (project != null) {
              ps.setString(i++, project);
            }
            ps.setLong(i++, before);
            ps.setInt(i, limit + 1);
            return page(all(ps.executeQuery(), JdbcRows::job), limit);
          }
        });
  }

  @Override
  public Job markQueued(String jobId) {
    return move("mark job queued", jobId, JobTransitions::markQueued);
  }

  @Override
  public Job failValidation(String jobId, String error) {
    return move("fail job validation", jobId, j -> JobTransitions.failValidation(j, error));
  }

  @Override
  public Optional<Job> claim(String workerId, Set<String> kinds, Duration lease) {
    if (kinds.isEmpty()) {
      return Optional.empty();
    }
    List<String> served = kinds.stream().map(Job::checkKind).sorted().toList();
    Instant now = now();
    String sql =
        "UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?,"
            + " heartbeat_at = ?, started_at = COALESCE(started_at, ?), finished_at = NULL,"
            + " cancel_requested = 0, pause_requested = 0"
            + " WHERE status = 'queued' AND id = (SELECT id FROM jobs WHERE status = 'queued'"
            + " AND kind IN ("
            + String.join(", ", java.util.Collections.nCopies(served.size(), "?"))
            + ") ORDER BY priority DESC, seq ASC LIMIT 1"
            + dialect.skipLocked()
            + ") RETURNING "
            + JOB_COLUMNS;
    return inTransaction(
        "claim job",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, workerId);
            ps.setLong(2, now.plus(lease).toEpochMilli());
            ps.setLong(3, now.toEpochMilli());
            ps.setLong(4, now.toEpochMilli());
            for (int i = 0; i < served.size(); i++) {
              ps.setString(5 + i, served.get(i));
            }
            return single(ps.executeQuery(), JdbcRows::job);
          }
        });
  }

  @Override
  public Heartbeat heartbeat(String jobId, String workerId, Duration lease) {
    return inTransaction(
        "heartbeat",
        c -> {
          Job renewed = JobTransitions.heartbeat(lockJob(c, jobId), workerId, lease, now());
          if (renewed == null) {
            return Heartbeat.LOST;
          }
          write(c, renewed);
          return new Heartbeat(
              true, renewed.leaseExpiresAt(), renewed.cancelRequested(), renewed.pauseRequested());
        });
  }

  @Override
  public Job complete(String jobId, String workerId, String result) {
    return move(
        "complete job",
        jobId,
        j -> JobTransitions.finish(j, workerId, JobStatus.SUCCEEDED, result, null, now()));
  }

  @Override
  public Job fail(String jobId, String workerId, String error) {
    return move(
        "fail job",
        jobId,
        j -> JobTransitions.finish(j, workerId, JobStatus.FAILED, null, error, now()));
  }

  @Override
  public Job acknowledgeCancel(String jobId, String workerId) {
    return move(
        "cancel job",
        jobId,
        j -> JobTransitions.finish(j, workerId, JobStatus.CANCELLED, null, null, now()));
  }

  @Override
  public Job acknowledgePause(String jobId, String workerId) {
    return move(
        "pause job",
        jobId,
        j -> JobTransitions.finish(j, workerId, JobStatus.PAUSED, null, null, now()));
  }

  @Override
  public Job release(String jobId, String workerId) {
    return move("release job", jobId, j -> JobTransitions.release(j, workerId));
  }

  @Override
  public Job requestCancel(String jobId) {
    return move("request cancel", jobId, j -> JobTransitions.requestCancel(j, now()));
  }

  @Override
  public Job requestPause(String jobId) {
    return move("request pause", jobId, JobTransitions::requestPause);
  }

  @Override
  public Job resume(String jobId) {
    return move("resume job", jobId, JobTransitions::resume);
  }

  @Override
  public List<Job> reapExpiredLeases() {
    Instant now = now();
    return inTransaction(
        "reap expired leases",
        c -> {
          List<Job> expired;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + JOB_COLUMNS
                      + " FROM jobs WHERE status = 'running' AND lease_expires_at < ?"
                      + " ORDER BY seq"
                      + dialect.skipLocked())) {
            ps.setLong(1, now.toEpochMilli());
            expired = all(ps.executeQuery(), JdbcRows::job);
          }
          List<Job> reaped = new ArrayList<>();
          for (Job j : expired) {
            Job next = JobTransitions.reap(j, now);
            write(c, next);
            reaped.add(next);
          }
          return reaped;
        });
  }

  @Override
  public JobEvent appendEvent(String jobId, NewEvent e) {
    return inTransaction(
        "append event",
        c -> {
          lockJob(c, jobId); // serializes appends to one job
          if (e.key() != null) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "SELECT "
                        + EVENT_COLUMNS
                        + " FROM job_events WHERE job_id = ? AND idempotency_key = ?")) {
              ps.setString(1, jobId);
              ps.setString(2, e.key());
              Optional<JobEvent> existing = single(ps.executeQuery(), JdbcRows::event);
              if (existing.isPresent()) {
                return existing.get();
              }
            }
          }
          long seq;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE jobs SET last_event_seq = last_event_seq + 1 WHERE id = ?"
                      + " RETURNING last_event_seq")) {
            ps.setString(1, jobId);
            seq = single(ps.executeQuery(), rs -> rs.getLong(1)).orElseThrow();
          }
          JobEvent event =
              new JobEvent(
                  ids.next(IdGenerator.EVENT),
                  jobId,
                  seq,
                  e.key(),
                  now(),
                  e.level(),
                  e.message(),
                  e.type(),
                  e.data());
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO job_events ("
                      + EVENT_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, event.id());
            ps.setString(2, jobId);
            ps.setLong(3, seq);
            ps.setString(4, event.key());
            ps.setLong(5, event.createdAt().toEpochMilli());
            ps.setString(6, event.level().wireName());
            ps.setString(7, event.message());
            ps.setString(8, event.type());
            ps.setString(9, event.data());
            ps.executeUpdate();
          }
          return event;
        });
  }

  @Override
  public Page<JobEvent> listEvents(String jobId, String after, int limit) {
    Page.checkLimit(limit);
    return read(
        "list events",
        c -> {
          if (after != null) {
            requireJob(c, jobId);
          }
          long before = cursor(c, "job_events", "seq", jobId, after, "event");
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + EVENT_COLUMNS
                      + " FROM job_events WHERE job_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")) {
            ps.setString(1, jobId);
            ps.setLong(2, before);
            ps.setInt(3, limit + 1);
            List<JobEvent> rows = all(ps.executeQuery(), JdbcRows::event);
            if (rows.isEmpty() && after == null) {
              requireJob(c, jobId); // a first page with rows proves the job exists: one query
            }
            return page(rows, limit);
          }
        });
  }

  @Override
  public Checkpoint addCheckpoint(String jobId, NewCheckpoint cp) {
    return inTransaction(
        "add checkpoint",
        c -> {
          lockJob(c, jobId);
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO job_checkpoints ("
                      + CHECKPOINT_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, step) DO NOTHING")) {
            ps.setString(1, ids.next(IdGenerator.CHECKPOINT));
            ps.setString(2, jobId);
            ps.setLong(3, cp.step());
            ps.setLong(4, now().toEpochMilli());
            ps.setString(5, cp.metrics());
            ps.setString(6, cp.location());
            ps.setString(7, cp.model());
            ps.executeUpdate();
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + CHECKPOINT_COLUMNS
                      + " FROM job_checkpoints WHERE job_id = ? AND step = ?")) {
            ps.setString(1, jobId);
            ps.setLong(2, cp.step());
            return single(ps.executeQuery(), JdbcRows::checkpoint).orElseThrow();
          }
        });
  }

  @Override
  public Page<Checkpoint> listCheckpoints(String jobId, String after, int limit) {
    Page.checkLimit(limit);
    return read(
        "list checkpoints",
        c -> {
          if (after != null) {
            requireJob(c, jobId);
          }
          long before = cursor(c, "job_checkpoints", "step", jobId, after, "checkpoint");
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT "
                      + CHECKPOINT_COLUMNS
                      + " FROM job_checkpoints WHERE job_id = ? AND step < ?"
                      + " ORDER BY step DESC LIMIT ?")) {
            ps.setString(1, jobId);
            ps.setLong(2, before);
            ps.setInt(3, limit + 1);
            List<Checkpoint> rows = all(ps.executeQuery(), JdbcRows::checkpoint);
            if (rows.isEmpty() && after == null) {
              requireJob(c, jobId); // a first page with rows proves the job exists: one query
            }
            return page(rows, limit);
          }
        });
  }

  @Override
  public Map<JobStatus, Long> countByStatus(String kind) {
    return read(
        "count jobs by status",
        c -> {
          Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
          for (JobStatus s : JobStatus.values()) {
            counts.put(s, 0L);
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT status, COUNT(*) FROM jobs WHERE kind = ? GROUP BY status")) {
            ps.setString(1, kind);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                counts.put(JobStatus.fromWire(rs.getString(1)), rs.getLong(2));
              }
            }
          }
          return counts;
        });
  }

  @Override
  public boolean removeCheckpoint(String jobId, long step) {
    return inTransaction(
        "remove checkpoint",
        c -> {
          lockJob(c, jobId);
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM job_checkpoints WHERE job_id = ? AND step = ?")) {
            ps.setString(1, jobId);
            ps.setLong(2, step);
            return ps.executeUpdate() > 0;
          }
        });
  }

  // --- plumbing ---------------------------------------------------------------------------

  /** A unit of work on one connection. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Maps the current row of a result set. */
  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Reads the row, applies the move, writes the row back, in one locking transaction. */
  private Job move(String operation, String jobId, UnaryOperator<Job> transition) {
    return inTransaction(
        operation,
        c -> {
          Job next = transition.apply(lockJob(c, jobId));
          write(c, next);
          return next;
        });
  }

  private <T> T inTransaction(String operation, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException | Error e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new JobStoreException(operation, e);
    }
  }

  /** Reads in autocommit mode: no write lock is taken (on SQLite a transaction would take it). */
  private <T> T read(String operation, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new JobStoreException(operation, e);
    }
  }

  private Optional<Job> findJob(Connection c, String jobId, String lock) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT " + JOB_COLUMNS + " FROM jobs WHERE id = ?" + lock)) {
      ps.setString(1, jobId);
      return single(ps.executeQuery(), JdbcRows::job);
    }
  }

  private Job lockJob(Connection c, String jobId) throws SQLException {
    return findJob(c, jobId, dialect.forUpdate())
        .orElseThrow(() -> new NoSuchJobException("no job " + jobId));
  }

  private void requireJob(Connection c, String jobId) throws SQLException {
    if (findJob(c, jobId, "").isEmpty()) {
      throw new NoSuchJobException("no job " + jobId);
    }
  }

  private static void write(Connection c, Job next) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(JdbcRows.JOB_UPDATE)) {
      JdbcRows.bindMutable(ps, next);
      ps.executeUpdate();
    }
  }

  /** The order column of the item {@code after} names, or MAX_VALUE for the first page. */
  private static long cursor(
      Connection c, String table, String column, String jobId, String after, String what)
      throws SQLException {
    if (after == null) {
      return Long.MAX_VALUE;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + column + " FROM " + table + " WHERE job_id = ? AND id = ?")) {
      ps.setString(1, jobId);
      ps.setString(2, after);
      return single(ps.executeQuery(), rs -> rs.getLong(1))
          .orElseThrow(
              () ->
                  new NoSuchJobException(
                      "after=" + after + " names no " + what + " of job " + jobId));
    }
  }

  private static <T> Page<T> page(List<T> rows, int limit) {
    boolean more = rows.size() > limit;
    return new Page<>(more ? rows.subList(0, limit) : rows, more);
  }

  private static <T> Optional<T> single(ResultSet rs, RowMapper<T> mapper) throws SQLException {
    try (rs) {
      return rs.next() ? Optional.of(mapper.map(rs)) : Optional.empty();
    }
  }

  private static <T> List<T> all(ResultSet rs, RowMapper<T> mapper) throws SQLException {
    try (rs) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(mapper.map(rs));
      }
      return out;
    }
  }
}
