package dev.lathe.jobqueue;

import java.time.Instant;

/**
 * An event recorded for a job.
 *
 * @param id {@code ftevent-…}
 * @param jobId the job
 * @param seq 1, 2, 3… per job in append order; events list newest (highest seq) first
 * @param key the caller's idempotency key or null
 * @param createdAt when it was appended
 * @param level severity
 * @param message human text
 * @param type {@code message} or {@code metrics}
 * @param data JSON text or null
 */
public record JobEvent(
    String id,
    String jobId,
    long seq,
    String key,
    Instant createdAt,
    EventLevel level,
    String message,
    String type,
    String data) {}
