/**
 * Graders: how one sample of one data item is scored against one of an eval's {@code
 * testing_criteria}, in the shape of OpenAI's Evals API.
 *
 * <p>{@link dev.lathe.server.evals.graders.Graders#parse} turns a criterion's JSON into a {@link
 * dev.lathe.server.evals.graders.Grader} or refuses it with a {@link
 * dev.lathe.server.evals.graders.GraderSpecException} naming the field's path and the fix; {@link
 * dev.lathe.server.evals.graders.Grader#grade} scores a {@link
 * dev.lathe.server.evals.graders.GradingInput} (the item and the model's {@link
 * dev.lathe.server.evals.graders.Sample}) into a {@link
 * dev.lathe.server.evals.graders.GraderResult}, asking a {@link
 * dev.lathe.server.evals.graders.Judge} (a served model) for the model graders. Strings are {@code
 * {{item.*}}} / {@code {{sample.*}}} templates. The text-similarity metrics are defined in {@code
 * FuzzyMatch}, {@code Bleu} and {@code Rouge}.
 *
 * <p>The package depends on Jackson, the JDK and networknt's JSON Schema validator only: no routes,
 * no storage, no models (the evals package supplies the judge).
 */
package dev.lathe.server.evals.graders;
