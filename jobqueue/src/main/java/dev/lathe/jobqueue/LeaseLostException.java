package dev.lathe.jobqueue;

/**
 * A worker tried to finish a job whose lease it no longer holds (it expired and was reaped, or
 * another worker owns it now). The worker must drop its result.
 */
public final class LeaseLostException extends JobStateException {

  public LeaseLostException(String jobId, String workerId) {
    super(
        "worker "
            + workerId
            + " no longer holds the lease of job "
            + jobId
            + ": it expired or was taken over; heartbeat more often than the lease lasts");
  }
}
