package dev.lathe.server.evals.graders;

/**
 * A model grader's {@code sampling_params}; a null field means the judge's default.
 *
 * @param temperature sampling temperature
 * @param topP nucleus sampling mass
 * @param maxCompletionTokens the most tokens the judge may generate (OpenAI's field is spelled
 *     {@code max_completions_tokens} on graders)
 * @param seed the sampling seed
 */
public record JudgeSampling(
    Double temperature, Double topP, Integer maxCompletionTokens, Long seed) {
  /** No parameters given: every one is the judge's default. */
  public static final JudgeSampling DEFAULTS = new JudgeSampling(null, null, null, null);
}
