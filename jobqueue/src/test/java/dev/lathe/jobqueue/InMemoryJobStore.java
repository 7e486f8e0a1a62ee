package dev.lathe.jobqueue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The in-memory twin of {@link JdbcJobStore}: same contract, nothing durable. Thread-safe: every
 * operation holds one lock. Times are kept to the millisecond like the database stores.
 *
 * <p>It lives in test scope: nothing in production runs jobs without a database, and the twin's
 * worth is here, where {@link JobStoreContract} and {@link WorkerContract} run against it beside
 * SQLite and PostgreSQL, so a rule of {@link JobTransitions} that only one store breaks shows up as
 * a difference between the twin and that store.
 */
final class InMemoryJobStore implements JobStore {

  private final InstantSource clock;
  private final IdGenerator ids;
  private final Map<String, Job> jobs = new HashMap<>();
  private final Map<String, List<JobEvent>> events = new HashMap<>(); // in append order
  private final Map<String, List<Checkpoint>> checkpoints = new HashMap<>();
  private long lastSeq;

  InMemoryJobStore(InstantSource clock, IdGenerator ids) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ids = Objects.requireNonNull(ids, "ids");
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  @Override
  public synchronized Job create(NewJob n) {
    Job job =
        new Job(
            ids.next(IdGenerator.JOB),
            ++lastSeq,
            n.project(),
            n.kind(),
            n.initialStatus(),
            n.priority(),
            n.payload(),
            null,
            null,
            now(),
            null,
            null,
            1,
            null,
            null,
            null,
            false,
            false);
    jobs.put(job.id(), job);
    events.put(job.id(), new ArrayList<>());
    checkpoints.put(job.id(), new ArrayList<>());
    return job;
  }

  @Override
  public synchronized Optional<Job> get(String jobId) {
    return Optional.ofNullable(jobs.get(jobId));
  }

  @Override
  public synchronized Map<JobStatus, Long> countByStatus(String kind) {
    Map<JobStatus, Long> counts = new java.util.EnumMap<>(JobStatus.class);
    for (JobStatus s : JobStatus.values()) {
      counts.put(
          s, jobs.values().stream().filter(j -> j.kind().equals(kind) && j.status() == s).count());
    }
    return counts;
  }

  @Override
  public synchronized Page<Job> list(String kind, String project, String after, int limit) {
    List<Job> newestFirst =
        jobs.values().stream()
            .filter(j -> j.kind().equals(kind))
            .filter(j -> project == null || j.project().equals(project))
            .sorted(Comparator.comparingLong(Job::seq).reversed())
            .toList();
    return page(newestFirst, Job::id, after, limit, "job");
  }

  @Override
  public synchronized Job markQueued(String jobId) {
    return update(jobId, JobTransitions::markQueued);
  }

  @Override
  public synchronized Job failValidation(String jobId, String error) {
    return update(jobId, j -> JobTransitions.failValidation(j, error));
  }

  @Override
  public synchronized Optional<Job> claim(String workerId, Set<String> kinds, Duration lease) {
    kinds.forEach(Job::checkKind);
    Optional<Job> next =
        jobs.values().stream()
            .filter(j -> j.status() == JobStatus.QUEUED && kinds.contains(j.kind()))
            .min(Comparator.comparingInt(Job::priority).reversed().thenComparingLong(Job::seq));
    return next.map(j -> update(j.id(), x -> JobTransitions.claim(x, workerId, lease, now())));
  }

  @Override
  public synchronized Heartbeat heartbeat(String jobId, String workerId, Duration lease) {
    Job renewed = JobTransitions.heartbeat(require(jobId), workerId, lease, now());
    if (renewed == null) {
      return Heartbeat.LOST;
    }
    jobs.put(jobId, renewed);
    return new Heartbeat(
        true, renewed.leaseExpiresAt(), renewed.cancelRequested(), renewed.pauseRequested());
  }

  @Override
  public synchronized Job complete(String jobId, String workerId, String result) {
    return update(
        jobId, j -> JobTransitions.finish(j, workerId, JobStatus.SUCCEEDED, result, null, now()));
  }

  @Override
  public synchronized Job fail(String jobId, String workerId, String error) {
    return update(
        jobId, j -> JobTransitions.finish(j, workerId, JobStatus.FAILED, null, error, now()));
  }

  @Override
  public synchronized Job acknowledgeCancel(String jobId, String workerId) {
    return update(
        jobId, j -> JobTransitions.finish(j, workerId, JobStatus.CANCELLED, null, null, now()));
  }

  @Override
  public synchronized Job acknowledgePause(String jobId, String workerId) {
    return update(
        jobId, j -> JobTransitions.finish(j, workerId, JobStatus.PAUSED, null, null, now()));
  }

  @Override
  public synchronized Job release(String jobId, String workerId) {
    return update(jobId, j -> JobTransitions.release(j, workerId));
  }

  @Override
  public synchronized Job requestCancel(String jobId) {
    return update(jobId, j -> JobTransitions.requestCancel(j, now()));
  }

  @Override
  public synchronized Job requestPause(String jobId) {
    return update(jobId, JobTransitions::requestPause);
  }

  @Override
  public synchronized Job resume(String jobId) {
    return update(jobId, JobTransitions::resume);
  }

  @Override
  public synchronized List<Job> reapExpiredLeases() {
    Instant now = now();
    List<String> expired =
        jobs.values().stream()
            .filter(j -> j.status() == JobStatus.RUNNING && j.leaseExpiresAt().isBefore(now))
            .sorted(Comparator.comparingLong(Job::seq))
            .map(Job::id)
            .toList();
    return expired.stream().map(id -> update(id, j -> JobTransitions.reap(j, now))).toList();
  }

  @Override
  public synchronized JobEvent appendEvent(String jobId, NewEvent e) {
    require(jobId);
    List<JobEvent> list = events.get(jobId);
    if (e.key() != null) {
      for (JobEvent old : list) {
        if (e.key().equals(old.key())) {
          return old;
        }
      }
    }
    long seq = list.isEmpty() ? 1 : list.getLast().seq() + 1;
    JobEvent event =
        new JobEvent(
            ids.next(IdGenerator.EVENT),
            jobId,
            seq,
            e.key(),
            now(),
            e.level(),
            e.message(),
            e.type(),
            e.data());
    list.add(event);
    return event;
  }

  @Override
  public synchronized Page<JobEvent> listEvents(String jobId, String after, int limit) {
    require(jobId);
    return page(events.get(jobId).reversed(), JobEvent::id, after, limit, "event");
  }

  @Override
  public synchronized Checkpoint addCheckpoint(String jobId, NewCheckpoint c) {
    require(jobId);
    List<Checkpoint> list = checkpoints.get(jobId);
    for (Checkpoint old : list) {
      if (old.step() == c.step()) {
        return old;
      }
    }
    Checkpoint checkpoint =
        new Checkpoint(
            ids.next(IdGenerator.CHECKPOINT),
            jobId,
            c.step(),
            now(),
            c.metrics(),
            c.location(),
            c.model());
    list.add(checkpoint);
    list.sort(Comparator.comparingLong(Checkpoint::step));
    return checkpoint;
  }

  @Override
  public synchronized Page<Checkpoint> listCheckpoints(String jobId, String after, int limit) {
    require(jobId);
    return page(checkpoints.get(jobId).reversed(), Checkpoint::id, after, limit, "checkpoint");
  }

  @Override
  public synchronized boolean removeCheckpoint(String jobId, long step) {
    require(jobId);
    return checkpoints.get(jobId).removeIf(c -> c.step() == step);
  }

  private Job require(String jobId) {
    Job job = jobs.get(jobId);
    if (job == null) {
      throw new NoSuchJobException("no job " + jobId);
    }
    return job;
  }

  private Job update(String jobId, UnaryOperator<Job> move) {
    Job next = move.apply(require(jobId));
    jobs.put(jobId, next);
    return next;
  }

  private static <T> Page<T> page(
      List<T> ordered, Function<T, String> id, String after, int limit, String what) {
    Page.checkLimit(limit);
    int from = 0;
    if (after != null) {
      int at = -1;
      for (int i = 0; i < ordered.size(); i++) {
        if (id.apply(ordered.get(i)).equals(after)) {
          at = i;
          break;
        }
      }
      if (at < 0) {
        throw new NoSuchJobException("after=" + after + " names no " + what + " in this list");
      }
      from = at + 1;
    }
    int to = Math.min(ordered.size(), from + limit);
    return new Page<>(ordered.subList(from, to), to < ordered.size());
  }
}
