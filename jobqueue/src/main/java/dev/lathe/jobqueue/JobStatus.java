package dev.lathe.jobqueue;

import java.util.EnumSet;
import java.util.Set;

/**
 * The lifecycle of a job, with OpenAI's status names and the explicit set of allowed moves.
 *
 * <pre>
 * validating_files ──▶ queued ──▶ running ──▶ succeeded | failed | cancelled
 *        │               ▲  │        │  ▲
 *        ▼               │  ▼        ▼  │ (lease expired: back to queued, attempt + 1)
 *  failed | cancelled    paused ◀────┘
 * </pre>
 *
 * <p>Terminal statuses ({@code succeeded}, {@code failed}, {@code cancelled}) allow no move.
 */
public enum JobStatus {
  VALIDATING_FILES("validating_files"),
  QUEUED("queued"),
  RUNNING("running"),
  PAUSED("paused"),
  SUCCEEDED("succeeded"),
  FAILED("failed"),
  CANCELLED("cancelled");

  private final String wireName;

  JobStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The name used on the wire and in the database, e.g. {@code validating_files}. */
  public String wireName() {
    return wireName;
  }

  /** True for {@code succeeded}, {@code failed} and {@code cancelled}. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** The statuses this one may move to; empty for terminal statuses. */
  public Set<JobStatus> next() {
    return switch (this) {
      case VALIDATING_FILES -> EnumSet.of(QUEUED, FAILED, CANCELLED);
      case QUEUED -> EnumSet.of(RUNNING, PAUSED, CANCELLED);
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, CANCELLED, PAUSED, QUEUED);
      case PAUSED -> EnumSet.of(QUEUED, CANCELLED);
      case SUCCEEDED, FAILED, CANCELLED -> EnumSet.noneOf(JobStatus.class);
    };
  }

  /** Whether the state machine allows moving from this status to {@code target}. */
  public boolean canMoveTo(JobStatus target) {
    return next().contains(target);
  }

  /** Parses a wire name; throws with the list of valid names when it is unknown. */
  public static JobStatus fromWire(String name) {
    for (JobStatus s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown job status '"
            + name
            + "': expected one of validating_files, queued, running, paused, succeeded, failed,"
            + " cancelled");
  }
}
