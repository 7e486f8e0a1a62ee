package dev.lathe.jobqueue;

import java.time.Instant;
import java.util.Objects;

/**
 * One job as the store holds it. The queue knows nothing of what the job does: {@code payload},
 * {@code result} and {@code error} are opaque text (the service keeps JSON there).
 *
 * @param id {@code ftjob-…}
 * @param seq creation order, unique and increasing; breaks ties between equal {@code createdAt}
 * @param project the owner of the job; lists are per project
 * @param kind what sort of work it is ({@link #FINE_TUNE}, {@code eval_run}, …): lists are per
 *     kind, and a worker claims only the kinds it has a handler for
 * @param status where the job is in its lifecycle
 * @param priority higher runs first; equal priorities run in creation order
 * @param payload what to do, as given at creation
 * @param result what the handler returned on success, or null
 * @param error why the job failed, or null
 * @param createdAt when it was created
 * @param startedAt when a worker first claimed it, or null
 * @param finishedAt when it reached a terminal status, or null
 * @param attempt 1 for the first run; each lease lost to expiry or released adds one
 * @param leaseOwner the worker holding the lease while running, else null
 * @param leaseExpiresAt when the lease runs out unless renewed, else null
 * @param heartbeatAt the owner's last heartbeat, else null
 * @param cancelRequested a cancel was asked for while running; the worker acts on it
 * @param pauseRequested a pause was asked for while running; the worker acts on it
 */
public record Job(
    String id,
    long seq,
    String project,
    String kind,
    JobStatus status,
    int priority,
    String payload,
    String result,
    String error,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    int attempt,
    String leaseOwner,
    Instant leaseExpiresAt,
    Instant heartbeatAt,
    boolean cancelRequested,
    boolean pauseRequested) {

  /** The kind of every job created before kinds existed, and of fine-tuning jobs. */
  public static final String FINE_TUNE = "fine_tune";

  public Job {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(project, "project");
    checkKind(kind);
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(createdAt, "createdAt");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
    }
  }

  /**
   * Refuses a kind that is not a short lowercase name ({@code [a-z][a-z0-9_]*}, at most 64
   * characters); returns it.
   */
  public static String checkKind(String kind) {
    Objects.requireNonNull(kind, "kind");
    if (!kind.matches("[a-z][a-z0-9_]{0,63}")) {
      throw new IllegalArgumentException(
          "a job kind is a lowercase name like fine_tune ([a-z][a-z0-9_]*), not '" + kind + "'");
    }
    return kind;
  }

  /** Whether {@code workerId} holds this job's lease (the job is running and leased to it). */
  public boolean isLeasedTo(String workerId) {
    return status == JobStatus.RUNNING && workerId.equals(leaseOwner);
  }
}
