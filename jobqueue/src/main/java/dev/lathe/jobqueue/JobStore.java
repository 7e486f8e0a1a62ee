package dev.lathe.jobqueue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Durable jobs, their events and checkpoints. Every implementation passes the same contract test
 * suite; the state machine is {@link JobStatus}, the moves are shared by all stores.
 *
 * <p>Lists page as OpenAI's do: newest first, {@code after} = the id of the last item of the
 * previous page (null for the first page), {@code limit} in 1..10000. An {@code after} that names
 * nothing in the list is an error, not an empty page.
 *
 * <p>Leases: {@link #claim} gives a worker a queued job for a lease of duration D; the worker
 * renews it with {@link #heartbeat} and must finish with {@link #complete}, {@link #fail}, {@link
 * #acknowledgeCancel}, {@link #acknowledgePause} or {@link #release} while it still holds it. A job
 * whose lease runs out is put back by {@link #reapExpiredLeases} with attempt + 1 and keeps its
 * checkpoints, so the next worker resumes it.
 */
public interface JobStore {

  /** Creates a job (status from {@link NewJob#initialStatus()}, attempt 1). */
  Job create(NewJob job);

  /** The job, or empty. */
  Optional<Job> get(String jobId);

  /**
   * The project's jobs of {@code kind}, newest first; a null {@code project} lists every project's
   * jobs of that kind (an administrator's view). {@code after} must name a job of the same list.
   */
  Page<Job> list(String kind, String project, String after, int limit);

  /** validating_files → queued, once the caller has validated the job's inputs. */
  Job markQueued(String jobId);

  /** validating_files → failed, with the caller's error text. */
  Job failValidation(String jobId, String error);

  /**
   * Takes the next queued job of one of {@code kinds} (highest priority, then oldest) for {@code
   * workerId}: it becomes running, leased until now + {@code lease}. Two workers never get the same
   * job; jobs of other kinds stay queued for workers that serve them.
   */
  Optional<Job> claim(String workerId, Set<String> kinds, Duration lease);

  /**
   * Renews the lease to now + {@code lease} if {@code workerId} still holds it, and tells whether a
   * cancel or pause was requested.
   */
  Heartbeat heartbeat(String jobId, String workerId, Duration lease);

  /** running → succeeded with a result; throws {@link LeaseLostException} if not the owner. */
  Job complete(String jobId, String workerId, String result);

  /** running → failed with an error; throws {@link LeaseLostException} if not the owner. */
  Job fail(String jobId, String workerId, String error);

  /** running → cancelled, the worker having stopped on a cancel request. */
  Job acknowledgeCancel(String jobId, String workerId);

  /** running → paused, the worker having stopped on a pause request. */
  Job acknowledgePause(String jobId, String workerId);

  /** running → queued with attempt + 1: the worker gives the job back unfinished. */
  Job release(String jobId, String workerId);

  /**
   * Cancels a job: at once unless it is running, in which case the request reaches the worker
   * through its heartbeat. Terminal jobs cannot be cancelled.
   */
  Job requestCancel(String jobId);

  /** Pauses a queued job at once, or asks the worker of a running job to pause. */
  Job requestPause(String jobId);

  /** paused → queued. */
  Job resume(String jobId);

  /**
   * Puts back every running job whose lease expired before now: queued with attempt + 1 (paused or
   * cancelled if that was requested). Returns the jobs as they are after the move.
   */
  List<Job> reapExpiredLeases();

  /**
   * Appends an event. If the event has a key that this job already has an event under, nothing is
   * written and the existing event is returned.
   */
  JobEvent appendEvent(String jobId, NewEvent event);

  /** The job's events, newest first. */
  Page<JobEvent> listEvents(String jobId, String after, int limit);

  /**
   * Records a checkpoint. If the job already has one at this step, nothing is written and the
   * existing one is returned.
   */
  Checkpoint addCheckpoint(String jobId, NewCheckpoint checkpoint);

  /** The job's checkpoints, newest (highest step) first. */
  Page<Checkpoint> listCheckpoints(String jobId, String after, int limit);

  /**
   * Forgets the job's checkpoint at {@code step} (its bytes are the caller's to remove); whether
   * there was one.
   */
  boolean removeCheckpoint(String jobId, long step);

  /**
   * How many jobs of {@code kind}, of every project, are in each status now (a status without jobs
   * counts 0), in one grouped count: for operators' metrics.
   */
  Map<JobStatus, Long> countByStatus(String kind);
}
