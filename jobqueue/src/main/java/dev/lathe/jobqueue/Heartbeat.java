package dev.lathe.jobqueue;

import java.time.Instant;

/**
 * The answer to a worker's heartbeat.
 *
 * @param held whether the worker still holds the lease (if false it must stop and write nothing)
 * @param leaseExpiresAt the renewed expiry when held, else null
 * @param cancelRequested someone asked to cancel the job
 * @param pauseRequested someone asked to pause the job
 */
public record Heartbeat(
    boolean held, Instant leaseExpiresAt, boolean cancelRequested, boolean pauseRequested) {

  static final Heartbeat LOST = new Heartbeat(false, null, false, false);
}
