package dev.lathe.finetune.tasks;

/**
 * One task of the suite: a seeded data generator and a score for an answer to a held-out prompt.
 */
public interface SuiteTask {

  /** How a run on the task is judged. */
  enum Metric {
    /** The mean of {@link #score} over the held-out prompts' greedy answers. */
    HELD_OUT_SCORE,
    /** The relative fall of the validation loss, (base − tuned) / base. */
    VALID_LOSS_FALL
  }

  /** A short name (a table row, a directory). */
  String name();

  /** What the score measures, in a few words (e.g. "label accuracy"). */
  String measure();

  /** How runs on this task are compared. */
  default Metric metric() {
    return Metric.HELD_OUT_SCORE;
  }

  /**
   * Generates the task's data; the same seed and sizes give the same data. Tasks built on a fixed
   * real file ignore the sizes.
   */
  TaskData generate(long seed, Sizes sizes);

  /** 1 when {@code answer} does what the task teaches for {@code prompt}, 0 when not. */
  double score(HeldOutPrompt prompt, String answer);

  /**
   * How many examples to generate.
   *
   * @param train training examples
   * @param valid validation examples
   * @param heldOut held-out prompts
   */
  record Sizes(int train, int valid, int heldOut) {

    /** Validates. */
    public Sizes {
      if (train < 1 || valid < 1 || heldOut < 1) {
        throw new IllegalArgumentException("every size must be >= 1");
      }
    }
  }
}
