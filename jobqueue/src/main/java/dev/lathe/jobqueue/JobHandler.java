package dev.lathe.jobqueue;

/**
 * Runs one job on a worker thread; the service plugs the trainer in here. It should check {@link
 * JobContext#shouldStop()} between steps and return {@link JobOutcome.Stopped} soon after it turns
 * true; it resumes from {@link JobContext#latestCheckpoint()} when the job ran before. An exception
 * thrown from {@link #run} fails the job with the exception's text.
 */
@FunctionalInterface
public interface JobHandler {

  JobOutcome run(JobContext context) throws Exception;
}
