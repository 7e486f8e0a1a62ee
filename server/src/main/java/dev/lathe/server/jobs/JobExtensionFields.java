package dev.lathe.server.jobs;

/**
 * The names of Lathe's extension fields on a fine-tuning job object, beside OpenAI's: written by
 * the worker that trains the job (into its progress) and shown by {@link JobRoutes}. One place, so
 * the writer and the reader cannot drift apart.
 */
public final class JobExtensionFields {
  /** The step whose weights are the fine-tuned model, when validation chose a best checkpoint. */
  public static final String BEST_STEP = "lathe_best_step";

  /** The id of the run's lineage manifest File ({@code lineage.json}), on a succeeded job. */
  public static final String LINEAGE = "lathe_lineage";

  /**
   * The id of the fine-tuned model's GGUF export File, on a succeeded job that asked for one
   * ({@code "lathe": {"gguf": TYPE}}).
   */
  public static final String GGUF = "lathe_gguf";

  /**
   * The peak learning rate the job trains with (the method's base rate × the resolved {@code
   * learning_rate_multiplier}), once it runs.
   */
  public static final String LEARNING_RATE = "lathe_learning_rate";

  private JobExtensionFields() {}
}
