/**
 * A durable queue of long-running jobs, shaped after OpenAI's fine-tuning jobs but knowing nothing
 * of machine learning: a job carries an opaque payload, a status, a result or an error, and the
 * queue records its events and checkpoints.
 *
 * <ul>
 *   <li>{@link dev.lathe.jobqueue.JobStatus} is the state machine (OpenAI's status names); every
 *       store applies the same moves.
 *   <li>{@link dev.lathe.jobqueue.JobStore} is implemented by {@link
 *       dev.lathe.jobqueue.JdbcJobStore} on SQLite (the embedded default: one file, nothing to
 *       install) or PostgreSQL (several workers on several machines). SQL lives only in the {@code
 *       Jdbc*} classes; the schema is one set of versioned files for both databases. An in-memory
 *       twin in the test sources runs the same contract suite.
 *   <li>{@link dev.lathe.jobqueue.Worker} claims jobs with a lease, keeps the lease alive with
 *       heartbeats while a {@link dev.lathe.jobqueue.JobHandler} runs, and passes cancel and pause
 *       requests and a lost lease to the handler through its {@link dev.lathe.jobqueue.JobContext}.
 *       A worker that dies stops heartbeating; its lease expires, any worker reaps the job back to
 *       the queue with attempt + 1, and the next run resumes from the job's last checkpoint.
 * </ul>
 *
 * <p>Time ({@link java.time.InstantSource}) and ids ({@link dev.lathe.jobqueue.IdGenerator}) are
 * injected, so leases expire in tests because the test moves the clock.
 */
package dev.lathe.jobqueue;
