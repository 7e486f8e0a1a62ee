package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link JobStore} passes: the in-memory twin, SQLite and PostgreSQL run this
 * same suite (subclasses only say how to open a store). {@link WorkerContract} adds the worker.
 * Time is a {@link MutableClock}: leases expire because the test moves the clock, never by
 * sleeping.
 */
abstract class JobStoreContract {

  static final Duration LEASE = Duration.ofSeconds(30);
  static final Set<String> FINE_TUNES = Set.of(Job.FINE_TUNE);
  static final Instant T0 = Instant.parse("2026-11-22T12:00:00Z");

  protected MutableClock clock;
  protected JobStore store;

  /** A new, empty store over {@code clock}. */
  protected abstract JobStore open(MutableClock clock) throws Exception;

  /** Releases what {@link #open} made; runs after everything that uses the store has stopped. */
  protected void cleanUp() {}

  /** Stops what uses the store (the worker); runs before {@link #cleanUp()}. */
  protected void stopUsers() throws Exception {}

  @BeforeEach
  void openStore() throws Exception {
    clock = new MutableClock(T0);
    store = open(clock);
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      stopUsers();
    } finally {
      cleanUp();
    }
  }

  @Test
  void createdJobIsReadBack() {
    Job job = store.create(new NewJob("proj-a", "{\"model\":\"m\"}", 3, JobStatus.QUEUED));

    assertThat(job.id()).matches("ftjob-[A-Za-z0-9]{24}");
    assertThat(store.get(job.id())).contains(job);
    assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.priority()).isEqualTo(3);
    assertThat(job.createdAt()).isEqualTo(T0);
    assertThat(job.startedAt()).isNull();
    assertThat(job.finishedAt()).isNull();
    assertThat(job.leaseOwner()).isNull();
    assertThat(store.get("ftjob-missing")).isEmpty();
  }

  @Test
  void countsJobsOfEveryProjectByStatus() {
    assertThat(store.countByStatus(Job.FINE_TUNE))
        .hasSize(JobStatus.values().length)
        .containsValue(0L);
    store.create(NewJob.queued("proj-a", "{}").ofKind("eval_run")); // another kind: not counted
    store.create(new NewJob("proj-a", "{}", 0, JobStatus.QUEUED));
    store.create(new NewJob("proj-b", "{}", 0, JobStatus.QUEUED));
    store.create(new NewJob("proj-b", "{}", 0, JobStatus.QUEUED));
    store.create(NewJob.validating("proj-a", "{}"));
    Job claimed = store.claim("w", FINE_TUNES, LEASE).orElseThrow();
    store.complete(claimed.id(), "w", "{}");
    store.claim("w", FINE_TUNES, LEASE).orElseThrow();

    var counts = store.countByStatus(Job.FINE_TUNE);
    assertThat(counts.get(JobStatus.QUEUED)).isEqualTo(1L);
    assertThat(counts.get(JobStatus.RUNNING)).isEqualTo(1L);
    assertThat(counts.get(JobStatus.SUCCEEDED)).isEqualTo(1L);
    assertThat(counts.get(JobStatus.VALIDATING_FILES)).isEqualTo(1L);
    assertThat(counts.get(JobStatus.FAILED)).isZero();
    assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4);
  }

  @Test
  void validationMovesJobToQueuedOrFailed() {
    Job ok = store.create(NewJob.validating("p", "{}"));
    Job bad = store.create(NewJob.validating("p", "{}"));
    assertThat(store.claim("w", FINE_TUNES, LEASE))
        .as("validating jobs are not runnable")
        .isEmpty();

    assertThat(store.markQueued(ok.id()).status()).isEqualTo(JobStatus.QUEUED);
    Job failed = store.failValidation(bad.id(), "{\"code\":\"invalid_training_file\"}");

    assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failed.error()).isEqualTo("{\"code\":\"invalid_training_file\"}");
    assertThat(failed.finishedAt()).as("OpenAI keeps finished_at null here").isNull();
    assertThatThrownBy(() -> store.markQueued(ok.id()))
        .isInstanceOf(JobStateException.class)
        .hasMessageContaining("is queued and cannot become queued");
    assertThatThrownBy(() -> store.requestCancel(bad.id()))
        .isInstanceOf(JobStateException.class)
        .hasMessageContaining("already finished");
  }

  @Test
  void runningJobSucceedsOnlyThroughItsLeaseOwner() {
    Job job = store.create(NewJob.queued("p", "payload"));
    clock.advance(Duration.ofSeconds(5));

    Job claimed = store.claim("w1", FINE_TUNES, LEASE).orElseThrow();

    assertThat(claimed.id()).isEqualTo(job.id());
    assertThat(claimed.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(claimed.leaseOwner()).isEqualTo("w1");
    assertThat(claimed.startedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(claimed.leaseExpiresAt()).isEqualTo(T0.plusSeconds(5).plus(LEASE));
    assertThat(store.get(job.id())).contains(claimed);
    assertThatThrownBy(() -> store.complete(job.id(), "w2", "r"))
        .isInstanceOf(LeaseLostException.class);

    clock.advance(Duration.ofSeconds(7));
    Job done = store.complete(job.id(), "w1", "{\"model\":\"ft:x\"}");

    assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(done.result()).isEqualTo("{\"model\":\"ft:x\"}");
    assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(12));
    assertThat(done.leaseOwner()).isNull();
    assertThat(store.get(job.id())).contains(done);
    assertThatThrownBy(() -> store.fail(job.id(), "w1", "late"))
        .isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> store.requestPause(job.id())).isInstanceOf(JobStateException.class);
    assertThatThrownBy(() -> store.resume(job.id())).isInstanceOf(JobStateException.class);
  }

  @Test
  void failedJobKeepsError() {
    Job job = store.create(NewJob.queued("p", "x"));
    store.claim("w", FINE_TUNES, LEASE).orElseThrow();

    Job failed = store.fail(job.id(), "w", "out of memory");

    assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
    assertThat(failed.error()).isEqualTo("out of memory");
    assertThat(failed.finishedAt()).isEqualTo(T0);
    assertThat(store.get(job.id())).contains(failed);
  }

  @Test
  void claimTakesHighestPriorityThenOldest() {
    Job low1 = store.create(new NewJob("p", "low1", 0, JobStatus.QUEUED));
    Job high = store.create(new NewJob("p", "high", 5, JobStatus.QUEUED));
    Job low2 = store.create(new NewJob("p", "low2", 0, JobStatus.QUEUED));

    assertThat(store.claim("w", FINE_TUNES, LEASE).orElseThrow().id()).isEqualTo(high.id());
    assertThat(store.claim("w", FINE_TUNES, LEASE).orElseThrow().id()).isEqualTo(low1.id());
    assertThat(store.claim("w", FINE_TUNES, LEASE).orElseThrow().id()).isEqualTo(low2.id());
    assertThat(store.claim("w", FINE_TUNES, LEASE)).isEmpty();
  }

  @Test
  void listsJobsOfOneProjectNewestFirstInPages() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(store.create(NewJob.queued("a", "job " + i)).id());
      if (i % 10 == 0) {
        store.create(NewJob.queued("b", "other"));
      }
    }
    List<String> newestFirst = ids.reversed();

    Page<Job> p1 = store.list(Job.FINE_TUNE, "a", null, 10);
    Page<Job> p2 = store.list(Job.FINE_TUNE, "a", p1.data().getLast().id(), 10);
    Page<Job> p3 = store.list(Job.FINE_TUNE, "a", p2.data().getLast().id(), 10);

    assertThat(p1.data()).extracting(Job::id).isEqualTo(newestFirst.subList(0, 10));
    assertThat(p2.data()).extracting(Job::id).isEqualTo(newestFirst.subList(10, 20));
    assertThat(p3.data()).extracting(Job::id).isEqualTo(newestFirst.subList(20, 25));
    assertThat(List.of(p1.hasMore(), p2.hasMore(), p3.hasMore()))
        .containsExactly(true, true, false);
    assertThat(store.list(Job.FINE_TUNE, "a", null, 25).hasMore()).isFalse();
    assertThat(store.list(Job.FINE_TUNE, "b", null, 20).data()).hasSize(3);
    assertThat(store.list(Job.FINE_TUNE, "nobody", null, 20).data()).isEmpty();
    String otherProjects = store.list(Job.FINE_TUNE, "b", null, 1).data().getFirst().id();
    assertThatThrownBy(() -> store.list(Job.FINE_TUNE, "a", otherProjects, 10))
        .isInstanceOf(NoSuchJobException.class);
    assertThatThrownBy(() -> store.list(Job.FINE_TUNE, "a", null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
  }

  @Test
  void kindsKeepTheirOwnListsAndWorkers() {
    String ft = store.create(NewJob.queued("a", "train")).id();
    Job eval = store.create(NewJob.queued("a", "grade").ofKind("eval_run"));
    String eval2 = store.create(NewJob.queued("a", "grade 2").ofKind("eval_run")).id();

    assertThat(store.get(ft).orElseThrow().kind()).isEqualTo(Job.FINE_TUNE);
    assertThat(eval.kind()).isEqualTo("eval_run");
    assertThat(store.get(eval.id()).orElseThrow().kind()).isEqualTo("eval_run");
    assertThat(store.list(Job.FINE_TUNE, "a", null, 10).data())
        .extracting(Job::id)
        .containsExactly(ft);
    assertThat(store.list("eval_run", "a", null, 10).data())
        .extracting(Job::id)
        .containsExactly(eval2, eval.id());
    assertThat(store.list("eval_run", null, eval2, 10).data())
        .extracting(Job::id)
        .containsExactly(eval.id());
    assertThatThrownBy(() -> store.list(Job.FINE_TUNE, "a", eval2, 10))
        .as("a cursor of another kind's list")
        .isInstanceOf(NoSuchJobException.class);

    assertThat(store.claim("w", Set.of("nothing_here"), LEASE)).isEmpty();
    Job first = store.claim("w", Set.of("eval_run"), LEASE).orElseThrow();
    assertThat(first.id()).isEqualTo(eval.id());
    assertThat(first.kind()).isEqualTo("eval_run");
    assertThat(store.claim("w", FINE_TUNES, LEASE).orElseThrow().id()).isEqualTo(ft);
    assertThat(store.claim("w", FINE_TUNES, LEASE)).as("only eval runs are left").isEmpty();
    assertThat(store.claim("w", Set.of(Job.FINE_TUNE, "eval_run"), LEASE).orElseThrow().id())
        .isEqualTo(eval2);
    assertThatThrownBy(() -> NewJob.queued("a", "x").ofKind("Bad Kind"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lowercase");
  }

  @Test
  void aNullProjectListsEveryProjectsJobs() {
    String a1 = store.create(NewJob.queued("a", "1")).id();
    String b1 = store.create(NewJob.queued("b", "2")).id();
    String a2 = store.create(NewJob.queued("a", "3")).id();

    Page<Job> first = store.list(Job.FINE_TUNE, null, null, 2);
    Page<Job> rest = store.list(Job.FINE_TUNE, null, first.data().getLast().id(), 2);

    assertThat(first.data()).extracting(Job::id).containsExactly(a2, b1);
    assertThat(first.hasMore()).isTrue();
    assertThat(rest.data()).extracting(Job::id).containsExactly(a1);
    assertThat(rest.hasMore()).isFalse();
    assertThat(store.list(Job.FINE_TUNE, "a", null, 10).data())
        .extracting(Job::id)
        .containsExactly(a2, a1);
    assertThatThrownBy(() -> store.list(Job.FINE_TUNE, null, "ftjob-nothing", 10))
        .isInstanceOf(NoSuchJobException.class);
  }

  @Test
  void everyJobIsClaimedExactlyOnceUnderConcurrency() throws Exception {
    int threads = 4;
    int perThread = 50;
    Set<String> created = new HashSet<>();
    for (int i = 0; i < threads * perThread; i++) {
      created.add(store.create(NewJob.queued("p", "job " + i)).id());
    }
    ConcurrentLinkedQueue<String> claimed = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String worker = "w" + t;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  // claim until all are taken: an empty answer while others hold locks is retried
                  while (claimed.size() < created.size() && !Thread.interrupted()) {
                    store
                        .claim(worker, FINE_TUNES, LEASE)
                        .ifPresent(
                            job -> {
                              assertThat(job.leaseOwner()).isEqualTo(worker);
                              claimed.add(job.id());
                            });
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(claimed).hasSize(threads * perThread);
    assertThat(new HashSet<>(claimed)).isEqualTo(created);
  }

  @Test
  void expiredLeaseIsReapedAndNextWorkerResumesFromCheckpoint() {
    Job job = store.create(NewJob.queued("p", "train"));
    store.claim("dead-worker", FINE_TUNES, LEASE).orElseThrow();
    store.addCheckpoint(job.id(), new NewCheckpoint(100, "{\"train_loss\":1.5}", "ckpt/100"));
    clock.advance(LEASE);
    assertThat(store.reapExpiredLeases()).as("a lease is held until strictly past it").isEmpty();

    clock.advance(Duration.ofMillis(1));
    List<Job> reaped = store.reapExpiredLeases();

    assertThat(reaped).hasSize(1);
    Job back = reaped.getFirst();
    assertThat(back.id()).isEqualTo(job.id());
    assertThat(back.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(back.attempt()).isEqualTo(2);
    assertThat(back.leaseOwner()).isNull();
    assertThat(store.get(job.id())).contains(back);
    assertThat(store.heartbeat(job.id(), "dead-worker", LEASE).held()).isFalse();

    Job resumed = store.claim("next-worker", FINE_TUNES, LEASE).orElseThrow();
    assertThat(resumed.attempt()).isEqualTo(2);
    assertThat(resumed.startedAt()).as("first start is kept").isEqualTo(T0);
    assertThat(store.listCheckpoints(job.id(), null, 10).data())
        .extracting(Checkpoint::step)
        .containsExactly(100L);
    assertThatThrownBy(() -> store.complete(job.id(), "dead-worker", "zombie"))
        .isInstanceOf(LeaseLostException.class);
    assertThat(store.complete(job.id(), "next-worker", "ok").status())
        .isEqualTo(JobStatus.SUCCEEDED);
  }

  @Test
  void heartbeatExtendsLeaseOnlyForItsOwner() {
    Job job = store.create(NewJob.queued("p", "x"));
    store.claim("w1", FINE_TUNES, LEASE).orElseThrow();
    clock.advance(Duration.ofSeconds(20));

    Heartbeat beat = store.heartbeat(job.id(), "w1", LEASE);

    assertThat(beat.held()).isTrue();
    assertThat(beat.leaseExpiresAt()).isEqualTo(T0.plusSeconds(20).plus(LEASE));
    assertThat(store.get(job.id()).orElseThrow().heartbeatAt()).isEqualTo(T0.plusSeconds(20));
    assertThat(store.heartbeat(job.id(), "w2", LEASE).held()).isFalse();
    clock.advance(Duration.ofSeconds(20)); // within the renewed lease: nothing to reap
    assertThat(store.reapExpiredLeases()).isEmpty();

    clock.advance(LEASE); // past it: the lease is lost even before a reaper runs
    assertThat(store.heartbeat(job.id(), "w1", LEASE).held()).isFalse();
    assertThat(store.reapExpiredLeases()).extracting(Job::id).containsExactly(job.id());
  }

  @Test
  void cancelOfRunningJobReachesWorkerThroughHeartbeat() {
    Job running = store.create(NewJob.queued("p", "run"));
    Job waiting = store.create(NewJob.queued("p", "wait"));
    store.claim("w", FINE_TUNES, LEASE).orElseThrow();

    Job requested = store.requestCancel(running.id());
    Job cancelledAtOnce = store.requestCancel(waiting.id());

    assertThat(requested.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(requested.cancelRequested()).isTrue();
    assertThat(cancelledAtOnce.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(cancelledAtOnce.finishedAt()).isEqualTo(T0);
    Heartbeat beat = store.heartbeat(running.id(), "w", LEASE);
    assertThat(beat.held()).isTrue();
    assertThat(beat.cancelRequested()).isTrue();
    assertThat(beat.pauseRequested()).isFalse();
    Job cancelled = store.acknowledgeCancel(running.id(), "w");
    assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(cancelled.cancelRequested()).isFalse();
    assertThat(store.get(running.id())).contains(cancelled);
  }

  @Test
  void reapingAJobWithPendingCancelCancelsIt() {
    Job job = store.create(NewJob.queued("p", "x"));
    store.claim("w", FINE_TUNES, LEASE).orElseThrow();
    store.requestCancel(job.id());
    clock.advance(LEASE.plusSeconds(1));

    assertThat(store.reapExpiredLeases())
        .singleElement()
        .satisfies(j -> assertThat(j.status()).isEqualTo(JobStatus.CANCELLED));
  }

  @Test
  void pauseAndResume() {
    Job queued = store.create(NewJob.queued("p", "q"));
    assertThat(store.requestPause(queued.id()).status()).isEqualTo(JobStatus.PAUSED);
    assertThat(store.claim("w", FINE_TUNES, LEASE)).as("paused jobs are not runnable").isEmpty();
    assertThat(store.resume(queued.id()).status()).isEqualTo(JobStatus.QUEUED);

    store.claim("w", FINE_TUNES, LEASE).orElseThrow();
    Job requested = store.requestPause(queued.id());
    assertThat(requested.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(store.heartbeat(queued.id(), "w", LEASE).pauseRequested()).isTrue();
    Job paused = store.acknowledgePause(queued.id(), "w");
    assertThat(paused.status()).isEqualTo(JobStatus.PAUSED);
    assertThat(paused.finishedAt()).isNull();
    assertThat(paused.pauseRequested()).isFalse();

    assertThat(store.resume(queued.id()).status()).isEqualTo(JobStatus.QUEUED);
    assertThat(store.claim("w2", FINE_TUNES, LEASE).orElseThrow().attempt()).isEqualTo(1);
    assertThatThrownBy(() -> store.resume(queued.id())).isInstanceOf(JobStateException.class);
  }

  @Test
  void releasedJobGoesBackToTheQueue() {
    Job job = store.create(NewJob.queued("p", "x"));
    store.claim("w", FINE_TUNES, LEASE).orElseThrow();

    Job released = store.release(job.id(), "w");

    assertThat(released.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(released.attempt()).isEqualTo(2);
    assertThat(store.claim("w2", FINE_TUNES, LEASE).orElseThrow().id()).isEqualTo(job.id());
  }

  @Test
  void eventsAreIdempotentByKeyAndListNewestFirst() {
    Job job = store.create(NewJob.queued("p", "x"));
    JobEvent created = store.appendEvent(job.id(), NewEvent.info("Created fine-tuning job"));
    List<JobEvent> steps = new ArrayList<>();
    for (int step = 1; step <= 5; step++) {
      steps.add(
          store.appendEvent(
              job.id(),
              new NewEvent(
                  "step-" + step,
                  EventLevel.INFO,
                  "Step " + step + "/5: training loss=1.00",
                  "metrics",
                  "{\"step\":" + step + "}")));
    }

    JobEvent replay =
        store.appendEvent(
            job.id(), new NewEvent("step-3", EventLevel.WARN, "replayed", "metrics", null));

    assertThat(replay).isEqualTo(steps.get(2));
    assertThat(created.id()).matches("ftevent-[A-Za-z0-9]{24}");
    assertThat(created.seq()).isEqualTo(1);
    assertThat(steps).extracting(JobEvent::seq).containsExactly(2L, 3L, 4L, 5L, 6L);
    Page<JobEvent> first = store.listEvents(job.id(), null, 4);
    Page<JobEvent> rest = store.listEvents(job.id(), first.data().getLast().id(), 4);
    assertThat(first.data()).extracting(JobEvent::seq).containsExactly(6L, 5L, 4L, 3L);
    assertThat(first.hasMore()).isTrue();
    assertThat(rest.data()).containsExactly(steps.getFirst(), created);
    assertThat(rest.hasMore()).isFalse();
    assertThat(rest.data().getLast().data()).isEqualTo("{}");
    assertThatThrownBy(() -> store.appendEvent("ftjob-nope", NewEvent.info("x")))
        .isInstanceOf(NoSuchJobException.class);
    assertThatThrownBy(() -> store.listEvents(job.id(), "ftevent-nope", 4))
        .isInstanceOf(NoSuchJobException.class);
  }

  @Test
  void checkpointsAreIdempotentPerStepAndListNewestFirst() {
    Job job = store.create(NewJob.queued("p", "x"));
    Checkpoint c80 = store.addCheckpoint(job.id(), new NewCheckpoint(80, "{\"a\":1}", "loc/80"));
    clock.advance(Duration.ofSeconds(1));
    Checkpoint c240 = store.addCheckpoint(job.id(), new NewCheckpoint(240, null, "loc/240"));
    Checkpoint c160 = store.addCheckpoint(job.id(), new NewCheckpoint(160, "{}", "loc/160"));

    Checkpoint again = store.addCheckpoint(job.id(), new NewCheckpoint(80, "{\"a\":2}", "other"));

    assertThat(again).isEqualTo(c80);
    assertThat(c80.id()).matches("ftckpt_[A-Za-z0-9]{24}");
    assertThat(c240.createdAt()).isEqualTo(T0.plusSeconds(1));
    Page<Checkpoint> first = store.listCheckpoints(job.id(), null, 2);
    assertThat(first.data()).containsExactly(c240, c160);
    assertThat(first.hasMore()).isTrue();
    Page<Checkpoint> rest = store.listCheckpoints(job.id(), c160.id(), 2);
    assertThat(rest.data()).containsExactly(c80);
    assertThat(rest.hasMore()).isFalse();
  }

  @Test
  void aCheckpointNamesItsModelAndCanBeRemoved() {
    Job job = store.create(NewJob.queued("p", "x"));
    Checkpoint named =
        store.addCheckpoint(
            job.id(), new NewCheckpoint(10, "{}", "loc/10", "ft:m:p::a:ckpt-step-10"));
    Checkpoint unnamed = store.addCheckpoint(job.id(), new NewCheckpoint(20, null, "loc/20"));
    assertThat(named.model()).isEqualTo("ft:m:p::a:ckpt-step-10");
    assertThat(unnamed.model()).isNull();
    assertThat(store.listCheckpoints(job.id(), null, 10).data()).containsExactly(unnamed, named);

    assertThat(store.removeCheckpoint(job.id(), 10)).isTrue();
    assertThat(store.removeCheckpoint(job.id(), 10)).as("already gone").isFalse();
    assertThat(store.listCheckpoints(job.id(), null, 10).data()).containsExactly(unnamed);
    // the step can be recorded again, as a new checkpoint
    Checkpoint again = store.addCheckpoint(job.id(), new NewCheckpoint(10, null, "loc/10b"));
    assertThat(again.id()).isNotEqualTo(named.id());
    assertThat(again.location()).isEqualTo("loc/10b");
  }

  @Test
  void concurrentAppendsUnderTheSameKeysWriteEachEventOnce() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    int threads = 4;
    int keys = 20;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int k = 0; k < keys; k++) {
                    store.appendEvent(job.id(), NewEvent.info("step " + k).withKey("step-" + k));
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    List<JobEvent> events = store.listEvents(job.id(), null, 100).data();
    assertThat(events).extracting(JobEvent::key).doesNotHaveDuplicates().hasSize(keys);
    assertThat(events)
        .extracting(JobEvent::seq)
        .isEqualTo(LongStream.rangeClosed(1, keys).boxed().toList().reversed());
  }

  @Test
  void unknownJobsAreReportedByName() {
    assertThatThrownBy(() -> store.requestCancel("ftjob-ghost"))
        .isInstanceOf(NoSuchJobException.class)
        .hasMessageContaining("ftjob-ghost");
    assertThatThrownBy(() -> store.listCheckpoints("ftjob-ghost", null, 10))
        .isInstanceOf(NoSuchJobException.class);
    assertThatThrownBy(() -> store.listEvents("ftjob-ghost", null, 10))
        .isInstanceOf(NoSuchJobException.class)
        .hasMessageContaining("ftjob-ghost");
    assertThatThrownBy(() -> store.listEvents("ftjob-ghost", "ftevent-x", 10))
        .isInstanceOf(NoSuchJobException.class)
        .hasMessageContaining("ftjob-ghost");
  }

  @Test
  void aJobWithoutEventsOrCheckpointsListsEmptyPages() {
    Job job = store.create(NewJob.queued("p", "x"));
    assertThat(store.listEvents(job.id(), null, 10).data()).isEmpty();
    assertThat(store.listCheckpoints(job.id(), null, 10).data()).isEmpty();
    assertThat(store.listCheckpoints(job.id(), null, 10).hasMore()).isFalse();
  }
}
