package dev.lathe.jobqueue;

import java.time.Instant;

/**
 * A checkpoint recorded for a job; checkpoints survive lost leases so the next worker resumes.
 *
 * @param id {@code ftckpt_…}
 * @param jobId the job
 * @param step progress counter, unique per job; lists are newest (highest step) first
 * @param createdAt when it was recorded
 * @param metrics JSON text or null
 * @param location where the bytes are
 * @param model the name of the model made from it, or null
 */
public record Checkpoint(
    String id,
    String jobId,
    long step,
    Instant createdAt,
    String metrics,
    String location,
    String model) {}
