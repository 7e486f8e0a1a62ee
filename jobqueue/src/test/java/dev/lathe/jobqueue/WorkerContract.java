package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The {@link Worker} over each store: outcomes are written, and cancel, pause and a lost lease
 * reach a running handler. The tests wait on latches or poll the store with a bound; leases expire
 * only when the test moves the clock.
 */
abstract class WorkerContract extends JobStoreContract {

  private static final Duration BOUND = Duration.ofSeconds(30);
  private static final WorkerConfig CONFIG =
      new WorkerConfig(
          "test-worker",
          2,
          Duration.ofMillis(20),
          LEASE,
          Duration.ofMillis(10),
          Duration.ofSeconds(10));

  private Worker worker;

  private Worker startWorker(JobHandler handler) {
    worker = new Worker(store, handler, CONFIG, clock).start();
    return worker;
  }

  @Override
  protected void stopUsers() throws InterruptedException {
    if (worker != null) {
      worker.close();
    }
  }

  private Job awaitStatus(String jobId, JobStatus status) throws InterruptedException {
    awaitTrue(
        () -> store.get(jobId).orElseThrow().status() == status, "job " + jobId + " " + status);
    return store.get(jobId).orElseThrow();
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("gave up waiting for " + what + " after " + BOUND);
      }
      Thread.sleep(5);
    }
  }

  private static void await(CountDownLatch latch, String what) throws InterruptedException {
    if (!latch.await(BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("gave up waiting for " + what + " after " + BOUND);
    }
  }

  @Test
  void workerRunsJobsAndRecordsTheirEventsAndResults() throws Exception {
    Job a = store.create(NewJob.queued("p", "a"));
    Job b = store.create(NewJob.queued("p", "b"));
    startWorker(
        ctx -> {
          ctx.appendEvent(NewEvent.info("Fine-tuning job started").withKey("started"));
          ctx.addCheckpoint(new NewCheckpoint(1, "{}", "ckpt/" + ctx.job().payload()));
          return JobOutcome.succeeded("done " + ctx.job().payload());
        });

    Job doneA = awaitStatus(a.id(), JobStatus.SUCCEEDED);
    Job doneB = awaitStatus(b.id(), JobStatus.SUCCEEDED);

    assertThat(doneA.result()).isEqualTo("done a");
    assertThat(doneB.result()).isEqualTo("done b");
    assertThat(doneA.leaseOwner()).isNull();
    assertThat(store.listEvents(a.id(), null, 10).data())
        .extracting(JobEvent::message)
        .containsExactly("Fine-tuning job started");
    assertThat(store.listCheckpoints(b.id(), null, 10).data().getFirst().location())
        .isEqualTo("ckpt/b");
  }

  @Test
  void workerRunsEachKindWithItsHandlerAndLeavesOtherKindsQueued() throws Exception {
    Job train = store.create(NewJob.queued("p", "t"));
    Job grade = store.create(NewJob.queued("p", "g").ofKind("eval_run"));
    Job other = store.create(NewJob.queued("p", "o").ofKind("export"));
    worker =
        new Worker(
                store,
                java.util.Map.of(
                    Job.FINE_TUNE,
                    ctx -> JobOutcome.succeeded("trained " + ctx.job().payload()),
                    "eval_run",
                    ctx -> JobOutcome.succeeded("graded " + ctx.job().payload())),
                CONFIG,
                clock)
            .start();

    assertThat(awaitStatus(train.id(), JobStatus.SUCCEEDED).result()).isEqualTo("trained t");
    assertThat(awaitStatus(grade.id(), JobStatus.SUCCEEDED).result()).isEqualTo("graded g");
    worker.close();
    worker = null;
    assertThat(store.get(other.id()).orElseThrow().status())
        .as("no handler for its kind here")
        .isEqualTo(JobStatus.QUEUED);
  }

  @Test
  void handlerExceptionFailsTheJob() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    startWorker(
        ctx -> {
          throw new IllegalStateException("dataset has no assistant message");
        });

    Job failed = awaitStatus(job.id(), JobStatus.FAILED);

    assertThat(failed.error()).contains("dataset has no assistant message");
  }

  @Test
  void cancelReachesRunningHandler() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    CountDownLatch started = new CountDownLatch(1);
    List<Boolean> sawCancel = new CopyOnWriteArrayList<>();
    startWorker(
        ctx -> {
          started.countDown();
          ctx.awaitStop(BOUND);
          sawCancel.add(ctx.cancelRequested());
          return JobOutcome.stopped();
        });
    await(started, "the handler to start");

    store.requestCancel(job.id());

    Job cancelled = awaitStatus(job.id(), JobStatus.CANCELLED);
    assertThat(sawCancel).containsExactly(true);
    assertThat(cancelled.finishedAt()).isNotNull();
  }

  @Test
  void pausedJobResumesFromItsCheckpoint() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    CountDownLatch started = new CountDownLatch(1);
    startWorker(
        ctx -> {
          Optional<Checkpoint> last = ctx.latestCheckpoint();
          if (last.isPresent()) {
            return JobOutcome.succeeded("resumed at step " + last.get().step());
          }
          ctx.addCheckpoint(new NewCheckpoint(40, null, "ckpt/40"));
          started.countDown();
          ctx.awaitStop(BOUND);
          return ctx.pauseRequested() ? JobOutcome.stopped() : JobOutcome.failed("not paused");
        });
    await(started, "the first run to checkpoint");

    store.requestPause(job.id());
    awaitStatus(job.id(), JobStatus.PAUSED);
    store.resume(job.id());
    worker.wakeUp();

    Job done = awaitStatus(job.id(), JobStatus.SUCCEEDED);
    assertThat(done.result()).isEqualTo("resumed at step 40");
    assertThat(done.attempt()).isEqualTo(1);
  }

  @Test
  void handlerThatLostItsLeaseIsStoppedAndTheJobResumes() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    CountDownLatch checkpointed = new CountDownLatch(1);
    List<String> runs = new CopyOnWriteArrayList<>();
    startWorker(
        ctx -> {
          Optional<Checkpoint> last = ctx.latestCheckpoint();
          if (last.isPresent()) {
            runs.add("attempt " + ctx.job().attempt() + " resumed at " + last.get().step());
            return JobOutcome.succeeded("ok");
          }
          ctx.addCheckpoint(new NewCheckpoint(7, null, "ckpt/7"));
          checkpointed.countDown();
          ctx.awaitStop(BOUND);
          runs.add("attempt " + ctx.job().attempt() + " lease lost=" + ctx.leaseLost());
          return JobOutcome.succeeded("must not be written");
        });
    await(checkpointed, "the first run to checkpoint");

    clock.advance(LEASE.plusSeconds(1)); // the heartbeats can no longer renew: the lease is gone

    Job done = awaitStatus(job.id(), JobStatus.SUCCEEDED);
    awaitTrue(() -> runs.size() == 2, "both runs to report");
    assertThat(done.result()).isEqualTo("ok");
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(runs)
        .containsExactlyInAnyOrder("attempt 1 lease lost=true", "attempt 2 resumed at 7");
  }

  @Test
  void twoWorkersRunEveryJobExactlyOnce() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(store.create(NewJob.queued("p", "job " + i)).id());
    }
    List<String> ran = new CopyOnWriteArrayList<>();
    JobHandler handler =
        ctx -> {
          ran.add(ctx.job().id());
          return JobOutcome.succeeded(ctx.job().leaseOwner());
        };
    startWorker(handler);
    try (Worker second =
        new Worker(store, handler, CONFIG.withWorkerId("second-worker"), clock).start()) {
      for (String id : ids) {
        awaitStatus(id, JobStatus.SUCCEEDED);
      }
    }

    assertThat(ran).hasSize(20).doesNotHaveDuplicates();
    assertThat(ids).allSatisfy(id -> assertThat(ran).contains(id));
  }

  @Test
  void workerReapsAndResumesTheJobOfADeadWorker() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    store.claim("crashed-worker", FINE_TUNES, LEASE).orElseThrow();
    store.addCheckpoint(job.id(), new NewCheckpoint(3, null, "ckpt/3"));
    clock.advance(LEASE.plusMillis(1));

    startWorker(
        ctx ->
            JobOutcome.succeeded(
                "attempt "
                    + ctx.job().attempt()
                    + " from "
                    + ctx.latestCheckpoint().orElseThrow().step()));

    assertThat(awaitStatus(job.id(), JobStatus.SUCCEEDED).result()).isEqualTo("attempt 2 from 3");
  }

  @Test
  void heartbeatsKeepTheLeaseWhileTheHandlerRuns() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    CountDownLatch started = new CountDownLatch(1);
    startWorker(
        ctx -> {
          started.countDown();
          ctx.awaitStop(BOUND);
          return ctx.cancelRequested() ? JobOutcome.stopped() : JobOutcome.failed("stopped");
        });
    await(started, "the handler to start");

    for (int i = 0; i < 3; i++) { // 60 s in all, twice the lease
      clock.advance(LEASE.dividedBy(3).multipliedBy(2));
      awaitTrue(
          () -> clock.instant().equals(store.get(job.id()).orElseThrow().heartbeatAt()),
          "a heartbeat at " + clock.instant());
    }

    assertThat(store.reapExpiredLeases()).isEmpty();
    Job running = store.get(job.id()).orElseThrow();
    assertThat(running.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(running.attempt()).isEqualTo(1);
    store.requestCancel(job.id());
    awaitStatus(job.id(), JobStatus.CANCELLED);
  }

  @Test
  void closingTheWorkerPutsItsJobBackInTheQueue() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    CountDownLatch started = new CountDownLatch(1);
    startWorker(
        ctx -> {
          started.countDown();
          ctx.awaitStop(BOUND);
          return JobOutcome.stopped();
        });
    await(started, "the handler to start");

    worker.close();
    worker = null;

    Job back = store.get(job.id()).orElseThrow();
    assertThat(back.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(back.attempt()).isEqualTo(2);
  }
}
