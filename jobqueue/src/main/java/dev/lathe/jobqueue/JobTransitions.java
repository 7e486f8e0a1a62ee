package dev.lathe.jobqueue;

import java.time.Duration;
import java.time.Instant;

/**
 * The state machine's moves as pure functions from a job to its next version. Both stores apply
 * exactly these functions (the JDBC store inside a transaction that locks the row), so the
 * in-memory twin and the databases cannot disagree on the rules.
 */
final class JobTransitions {

  private JobTransitions() {}

  /** A worker takes a queued job: running, leased until {@code now + lease}. */
  static Job claim(Job j, String workerId, Duration lease, Instant now) {
    require(j, JobStatus.RUNNING);
    Instant started = j.startedAt() != null ? j.startedAt() : now;
    return new Job(
        j.id(),
        j.seq(),
        j.project(),
        j.kind(),
        JobStatus.RUNNING,
        j.priority(),
        j.payload(),
        j.result(),
        j.error(),
        j.createdAt(),
        started,
        null,
        j.attempt(),
        workerId,
        now.plus(lease),
        now,
        false,
        false);
  }

  /** The validator accepted the job's inputs. */
  static Job markQueued(Job j) {
    require(j, JobStatus.QUEUED);
    if (j.status() != JobStatus.VALIDATING_FILES) {
      throw illegal(j, JobStatus.QUEUED);
    }
    return withStatus(j, JobStatus.QUEUED, null, null, null, j.attempt());
  }

  /** The validator rejected the job's inputs; like OpenAI, finishedAt stays null. */
  static Job failValidation(Job j, String error) {
    if (j.status() != JobStatus.VALIDATING_FILES) {
      throw illegal(j, JobStatus.FAILED);
    }
    return withStatus(j, JobStatus.FAILED, null, error, null, j.attempt());
  }

  /**
   * The lease owner renews its lease; returns null when it does not hold it. An expired lease is
   * lost even before it is reaped: it cannot be renewed, so a worker that heartbeats late stops
   * rather than racing the reaper.
   */
  static Job heartbeat(Job j, String workerId, Duration lease, Instant now) {
    if (!j.isLeasedTo(workerId) || j.leaseExpiresAt().isBefore(now)) {
      return null;
    }
    return new Job(
        j.id(),
        j.seq(),
        j.project(),
        j.kind(),
        j.status(),
        j.priority(),
        j.payload(),
        j.result(),
        j.error(),
        j.createdAt(),
        j.startedAt(),
        j.finishedAt(),
        j.attempt(),
        workerId,
        now.plus(lease),
        now,
        j.cancelRequested(),
        j.pauseRequested());
  }

  /** The lease owner finishes the job with {@code target}: succeeded, failed, cancelled, paused. */
  static Job finish(
      Job j, String workerId, JobStatus target, String result, String error, Instant now) {
    if (!j.isLeasedTo(workerId)) {
      throw new LeaseLostException(j.id(), workerId);
    }
    require(j, target);
    Instant finished = target.isTerminal() ? now : null;
    return withStatus(j, target, result, error, finished, j.attempt());
  }

  /** The lease owner gives the job back to the queue unfinished (e.g. its process shuts down). */
  static Job release(Job j, String workerId) {
    if (!j.isLeasedTo(workerId)) {
      throw new LeaseLostException(j.id(), workerId);
    }
    return afterLostLease(j);
  }

  /**
   * A running job whose lease expired goes back to the queue with attempt + 1, keeping its
   * checkpoints; a pending cancel or pause request is honoured instead.
   */
  static Job reap(Job j, Instant now) {
    if (j.status() != JobStatus.RUNNING
        || j.leaseExpiresAt() == null
        || !j.leaseExpiresAt().isBefore(now)) {
      throw new JobStateException("job " + j.id() + " has no expired lease to reap");
    }
    if (j.cancelRequested()) {
      return withStatus(j, JobStatus.CANCELLED, null, null, now, j.attempt());
    }
    return afterLostLease(j);
  }

  private static Job afterLostLease(Job j) {
    JobStatus target = j.pauseRequested() ? JobStatus.PAUSED : JobStatus.QUEUED;
    return withStatus(j, target, null, null, null, j.attempt() + 1);
  }

  /**
   * Cancel: a job not yet running is cancelled at once; a running job gets a request the worker
   * acts on.
   */
  static Job requestCancel(Job j, Instant now) {
    require(j, JobStatus.CANCELLED);
    if (j.status() == JobStatus.RUNNING) {
      return withFlags(j, true, j.pauseRequested());
    }
    return withStatus(j, JobStatus.CANCELLED, null, null, now, j.attempt());
  }

  /** Pause: a queued job is paused at once; a running job gets a request the worker acts on. */
  static Job requestPause(Job j) {
    require(j, JobStatus.PAUSED);
    if (j.status() == JobStatus.RUNNING) {
      return withFlags(j, j.cancelRequested(), true);
    }
    return withStatus(j, JobStatus.PAUSED, null, null, null, j.attempt());
  }

  /** Resume: a paused job goes back to the queue (its checkpoints let the worker continue). */
  static Job resume(Job j) {
    if (j.status() != JobStatus.PAUSED) {
      throw illegal(j, JobStatus.QUEUED);
    }
    return withStatus(j, JobStatus.QUEUED, null, null, null, j.attempt());
  }

  private static void require(Job j, JobStatus target) {
    if (!j.status().canMoveTo(target)) {
      throw illegal(j, target);
    }
  }

  private static JobStateException illegal(Job j, JobStatus target) {
    return new JobStateException(
        "job "
            + j.id()
            + " is "
            + j.status().wireName()
            + " and cannot become "
            + target.wireName()
            + (j.status().isTerminal()
                ? " (it has already finished)"
                : "; from " + j.status().wireName() + " it may become " + names(j.status())));
  }

  private static String names(JobStatus s) {
    return String.join(", ", s.next().stream().map(JobStatus::wireName).toList());
  }

  /** A new status; the lease and both requests are cleared. */
  private static Job withStatus(
      Job j, JobStatus status, String result, String error, Instant finishedAt, int attempt) {
    return new Job(
        j.id(),
        j.seq(),
        j.project(),
        j.kind(),
        status,
        j.priority(),
        j.payload(),
        result,
        error,
        j.createdAt(),
        j.startedAt(),
        finishedAt,
        attempt,
        null,
        null,
        null,
        false,
        false);
  }

  private static Job withFlags(Job j, boolean cancel, boolean pause) {
    return new Job(
        j.id(),
        j.seq(),
        j.project(),
        j.kind(),
        j.status(),
        j.priority(),
        j.payload(),
        j.result(),
        j.error(),
        j.createdAt(),
        j.startedAt(),
        j.finishedAt(),
        j.attempt(),
        j.leaseOwner(),
        j.leaseExpiresAt(),
        j.heartbeatAt(),
        cancel,
        pause);
  }
}
