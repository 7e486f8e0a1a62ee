package dev.lathe.jobqueue;

import java.util.Objects;

/**
 * What a caller gives to create a job.
 *
 * @param project the owner; lists are per project
 * @param kind what sort of work ({@link Job#FINE_TUNE} unless said otherwise); workers claim only
 *     the kinds they serve
 * @param payload opaque text (JSON in the service) handed to the handler
 * @param priority higher runs first
 * @param initialStatus {@link JobStatus#VALIDATING_FILES} when the caller still has to validate
 *     inputs (it then calls {@link JobStore#markQueued} or {@link JobStore#failValidation}), or
 *     {@link JobStatus#QUEUED}
 */
public record NewJob(
    String project, String kind, String payload, int priority, JobStatus initialStatus) {

  public NewJob {
    Objects.requireNonNull(project, "project");
    Job.checkKind(kind);
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(initialStatus, "initialStatus");
    if (project.isBlank()) {
      throw new IllegalArgumentException("project must not be blank");
    }
    if (initialStatus != JobStatus.VALIDATING_FILES && initialStatus != JobStatus.QUEUED) {
      throw new IllegalArgumentException(
          "a new job starts as validating_files or queued, not " + initialStatus.wireName());
    }
  }

  /** A fine-tuning job. */
  public NewJob(String project, String payload, int priority, JobStatus initialStatus) {
    this(project, Job.FINE_TUNE, payload, priority, initialStatus);
  }

  /** The same job, of {@code kind}. */
  public NewJob ofKind(String kind) {
    return new NewJob(project, kind, payload, priority, initialStatus);
  }

  /** A job that goes straight to the queue with priority 0. */
  public static NewJob queued(String project, String payload) {
    return new NewJob(project, payload, 0, JobStatus.QUEUED);
  }

  /** A job whose input files the caller validates first, priority 0. */
  public static NewJob validating(String project, String payload) {
    return new NewJob(project, payload, 0, JobStatus.VALIDATING_FILES);
  }
}
