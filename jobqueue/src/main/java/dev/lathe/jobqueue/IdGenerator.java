package dev.lathe.jobqueue;

/** Makes ids for jobs, events and checkpoints; injected so tests can make them predictable. */
@FunctionalInterface
public interface IdGenerator {

  /** Prefix of job ids, as OpenAI's. */
  String JOB = "ftjob-";

  /** Prefix of event ids, as OpenAI's. */
  String EVENT = "ftevent-";

  /** Prefix of checkpoint ids: OpenAI's real checkpoint ids use an underscore. */
  String CHECKPOINT = "ftckpt_";

  /** A new id, {@code prefix} followed by a unique suffix. */
  String next(String prefix);
}
