package dev.lathe.server.evals.graders;

import java.util.function.Supplier;

/**
 * Why one sample could not be graded (a template names a field the item lacks, the judge's reply is
 * no number): it becomes an errored {@link GraderResult}, never an exception that stops a run.
 */
final class GradingError extends RuntimeException {
  GradingError(String message) {
    super(message);
  }

  /** Runs {@code grading}, turning a {@link GradingError} into an errored result of {@code g}. */
  static GraderResult catching(Grader g, Supplier<GraderResult> grading) {
    try {
      return grading.get();
    } catch (GradingError e) {
      return GraderResult.errored(g, e.getMessage());
    }
  }
}
