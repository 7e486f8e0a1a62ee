package dev.lathe.jobqueue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a running {@link JobHandler} sees of its job: the job as claimed, its checkpoints, a way to
 * record events and checkpoints, and the signals that tell it to stop (cancel or pause requested,
 * lease lost, worker shutting down). The signals arrive from the worker's heartbeat thread.
 */
public final class JobContext {

  private final JobStore store;
  private final Job job;
  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile boolean cancelRequested;
  private volatile boolean pauseRequested;
  private volatile boolean leaseLost;
  private volatile boolean shuttingDown;
  private volatile Instant leaseExpiresAt;

  JobContext(JobStore store, Job job) {
    this.store = store;
    this.job = job;
    this.leaseExpiresAt = job.leaseExpiresAt();
  }

  /** The job as this worker claimed it: payload, attempt (> 1 when it ran before). */
  public Job job() {
    return job;
  }

  /** The checkpoint with the highest step, if an earlier attempt (or this one) recorded one. */
  public Optional<Checkpoint> latestCheckpoint() {
    return store.listCheckpoints(job.id(), null, 1).data().stream().findFirst();
  }

  /** Appends an event (idempotent under its key); refused once the lease is lost. */
  public JobEvent appendEvent(NewEvent event) {
    requireLease();
    return store.appendEvent(job.id(), event);
  }

  /** Records a checkpoint (idempotent per step); refused once the lease is lost. */
  public Checkpoint addCheckpoint(NewCheckpoint checkpoint) {
    requireLease();
    return store.addCheckpoint(job.id(), checkpoint);
  }

  /** Every checkpoint recorded for the job, newest (highest step) first. */
  public List<Checkpoint> checkpoints() {
    List<Checkpoint> all = new ArrayList<>();
    String after = null;
    while (true) {
      Page<Checkpoint> page = store.listCheckpoints(job.id(), after, Page.MAX_LIMIT);
      all.addAll(page.data());
      if (!page.hasMore()) {
        return all;
      }
      after = page.data().getLast().id();
    }
  }

  /** Forgets the checkpoint at {@code step}; refused once the lease is lost. */
  public boolean removeCheckpoint(long step) {
    requireLease();
    return store.removeCheckpoint(job.id(), step);
  }

  /** Someone asked to cancel the job. */
  public boolean cancelRequested() {
    return cancelRequested;
  }

  /** Someone asked to pause the job. */
  public boolean pauseRequested() {
    return pauseRequested;
  }

  /** The lease is gone: another worker may run the job now; write nothing more. */
  public boolean leaseLost() {
    return leaseLost;
  }

  /** True when the handler should return {@link JobOutcome.Stopped} at its next safe point. */
  public boolean shouldStop() {
    return stop.getCount() == 0;
  }

  /**
   * Waits up to {@code timeout} for a stop signal; returns whether one came. For handlers that wait
   * between steps instead of sleeping.
   */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return stop.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  // --- set by the worker ---

  Instant leaseExpiresAt() {
    return leaseExpiresAt;
  }

  void renewed(Heartbeat beat) {
    leaseExpiresAt = beat.leaseExpiresAt();
    if (beat.cancelRequested()) {
      cancelRequested = true;
      stop.countDown();
    }
    if (beat.pauseRequested()) {
      pauseRequested = true;
      stop.countDown();
    }
  }

  void loseLease() {
    leaseLost = true;
    stop.countDown();
  }

  void shutDown() {
    shuttingDown = true;
    stop.countDown();
  }

  boolean shuttingDown() {
    return shuttingDown;
  }

  private void requireLease() {
    if (leaseLost) {
      throw new LeaseLostException(job.id(), job.leaseOwner());
    }
  }
}
