package dev.lathe.jobqueue;

import java.lang.System.Logger.Level;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Claims jobs from a {@link JobStore} and runs them with the {@link JobHandler} of their kind, each
 * on its own thread, while a heartbeat thread keeps their leases alive. It claims only jobs of the
 * kinds it has handlers for; other kinds stay queued for workers that serve them.
 *
 * <p>One polling thread reaps expired leases (any worker may, so a dead worker's jobs come back)
 * and claims jobs while fewer than {@code concurrency} run, then waits {@code pollInterval} or
 * until {@link #wakeUp()}. Every {@code heartbeatInterval} the heartbeat thread renews each running
 * job's lease and passes cancel and pause requests to its {@link JobContext}; a heartbeat that
 * finds the lease gone, or a lease that runs out on the injected clock while the database is
 * unreachable, tells the handler to stop and the worker then writes nothing for that job.
 */
public final class Worker implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Worker.class.getName());

  private final JobStore store;
  private final Map<String, JobHandler> handlers;
  private final WorkerConfig config;
  private final InstantSource clock;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Object wake = new Object();
  private final ScheduledExecutorService heartbeats;
  private final Thread poller;
  private final AtomicLong claims = new AtomicLong();
  private volatile boolean open = true;

  private record Running(JobContext context, Thread thread) {}

  /**
   * Creates a worker of fine-tuning jobs ({@link Job#FINE_TUNE}); call {@link #start()} to begin.
   */
  public Worker(JobStore store, JobHandler handler, WorkerConfig config, InstantSource clock) {
    this(store, Map.of(Job.FINE_TUNE, Objects.requireNonNull(handler, "handler")), config, clock);
  }

  /**
   * Creates a worker of the jobs whose kinds {@code handlers} has, each run by its kind's handler;
   * call {@link #start()} to begin.
   */
  public Worker(
      JobStore store, Map<String, JobHandler> handlers, WorkerConfig config, InstantSource clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.handlers = Map.copyOf(handlers);
    if (this.handlers.isEmpty()) {
      throw new IllegalArgumentException("a worker needs a handler for at least one kind of job");
    }
    this.handlers.keySet().forEach(Job::checkKind);
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("lathe-heartbeat-" + config.workerId()).factory());
    this.poller =
        Thread.ofPlatform()
            .daemon()
            .name("lathe-worker-" + config.workerId())
            .unstarted(this::pollLoop);
  }

  /** Starts polling and heartbeating. */
  public Worker start() {
    long h = config.heartbeatInterval().toNanos();
    heartbeats.scheduleAtFixedRate(this::heartbeatAll, h, h, TimeUnit.NANOSECONDS);
    poller.start();
    return this;
  }

  /** Looks for work now instead of at the end of the poll interval (e.g. after a job is queued). */
  public void wakeUp() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /** Ids of the jobs this worker is running now. */
  public List<String> runningJobs() {
    return List.copyOf(running.keySet());
  }

  /**
   * Stops claiming, tells every running handler to stop, waits up to {@code shutdownTimeout} for
   * them (a job stopped this way goes back to the queue), then stops heartbeating and waits for a
   * heartbeat under way, so nothing of this worker writes to the store once it returns.
   */
  @Override
  public void close() throws InterruptedException {
    open = false;
    wakeUp();
    poller.join(config.shutdownTimeout().toMillis() + 1);
    for (Running r : running.values()) {
      r.context().shutDown();
    }
    long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
    for (Running r : List.copyOf(running.values())) {
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      r.thread().join(left);
    }
    heartbeats.shutdownNow();
    if (!heartbeats.awaitTermination(
        config.shutdownTimeout().toMillis() + 1, TimeUnit.MILLISECONDS)) {
      LOG.log(Level.WARNING, "worker " + config.workerId() + ": a heartbeat outlived close()");
    }
  }

  private void pollLoop() {
    while (open) {
      try {
        store.reapExpiredLeases();
        while (open && running.size() < config.concurrency()) {
          // a fresh owner per claim, so a late thread of an earlier run of the same job on this
          // worker can never pass for the current lease holder
          String owner = config.workerId() + "#" + claims.incrementAndGet();
          Optional<Job> job = store.claim(owner, handlers.keySet(), config.leaseDuration());
          if (job.isEmpty()) {
            break;
          }
          launch(job.get());
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "worker " + config.workerId() + ": polling failed", e);
      }
      synchronized (wake) {
        if (!open) {
          break;
        }
        try {
          wake.wait(config.pollInterval().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void launch(Job job) {
    JobContext context = new JobContext(store, job);
    Thread thread =
        Thread.ofPlatform().name("lathe-job-" + job.id()).unstarted(() -> runJob(context));
    Running previous = running.put(job.id(), new Running(context, thread));
    if (previous != null) {
      previous.context().loseLease(); // an earlier run of this job here outlived its lease
    }
    thread.start();
  }

  private void runJob(JobContext context) {
    String jobId = context.job().id();
    try {
      JobOutcome outcome;
      try {
        outcome = handlers.get(context.job().kind()).run(context);
        if (outcome == null) {
          outcome = JobOutcome.failed("the job handler returned no outcome");
        }
      } catch (Exception | LinkageError | AssertionError e) {
        LOG.log(Level.WARNING, "job " + jobId + " failed in its handler", e);
        outcome = JobOutcome.failed(e.toString());
      }
      apply(context, outcome);
    } finally {
      running.computeIfPresent(jobId, (id, r) -> r.context() == context ? null : r);
      wakeUp();
    }
  }

  private void apply(JobContext context, JobOutcome outcome) {
    String jobId = context.job().id();
    String me = context.job().leaseOwner();
    if (context.leaseLost()) {
      LOG.log(Level.INFO, "worker " + me + " lost the lease of " + jobId + "; result dropped");
      return;
    }
    try {
      switch (outcome) {
        case JobOutcome.Succeeded s -> store.complete(jobId, me, s.result());
        case JobOutcome.Failed f -> store.fail(jobId, me, f.error());
        case JobOutcome.Stopped ignored -> {
          if (context.cancelRequested()) {
            store.acknowledgeCancel(jobId, me);
          } else if (context.pauseRequested()) {
            store.acknowledgePause(jobId, me);
          } else {
            store.release(jobId, me);
          }
        }
      }
    } catch (LeaseLostException e) {
      LOG.log(Level.INFO, e.getMessage() + "; result dropped");
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "worker " + me + ": could not record the outcome of " + jobId, e);
    }
  }

  private void heartbeatAll() {
    for (Running r : running.values()) {
      JobContext context = r.context();
      if (context.leaseLost()) {
        continue;
      }
      String jobId = context.job().id();
      try {
        Heartbeat beat = store.heartbeat(jobId, context.job().leaseOwner(), config.leaseDuration());
        if (beat.held()) {
          context.renewed(beat);
        } else {
          context.loseLease();
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "worker " + config.workerId() + ": heartbeat of " + jobId, e);
        if (!clock.instant().isBefore(context.leaseExpiresAt())) {
          context.loseLease(); // the store is unreachable and the lease has run out
        }
      }
    }
  }
}
