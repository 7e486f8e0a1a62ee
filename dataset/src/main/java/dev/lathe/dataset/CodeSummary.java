package dev.lathe.dataset;

import java.util.List;
import java.util.Objects;

/**
 * How often one issue code occurred in a file, with the first few occurrences kept.
 *
 * @param code the code
 * @param severity its severity
 * @param count every occurrence, including those not kept
 * @param first the first occurrences, in line order, at most {@link
 *     ValidationOptions#maxIssuesPerCode()}
 */
public record CodeSummary(IssueCode code, Severity severity, long count, List<Issue> first) {

  /** Validates and copies. */
  public CodeSummary {
    Objects.requireNonNull(code, "code");
    first = List.copyOf(first);
    if (count < first.size()) {
      throw new IllegalArgumentException("count " + count + " < kept " + first.size());
    }
  }
}
