package dev.lathe.server.evals.graders;

/**
 * Tokens a judge model used while grading, summed per model into a run's {@code per_model_usage}.
 *
 * @param model the judge model's id
 * @param promptTokens tokens of the judge's prompts
 * @param completionTokens tokens the judge generated
 * @param invocations how many completions the judge made
 */
public record Usage(String model, long promptTokens, long completionTokens, long invocations) {}
