package dev.lathe.dataset;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Counts every issue of one validation run and keeps the first few per code, so memory stays
 * bounded on a huge file full of errors. Also tracks whether the current line has an error.
 */
final class IssueCollector {
  private final int keepPerCode;
  private final long[] counts = new long[IssueCode.values().length];
  private final Map<IssueCode, List<Issue>> kept = new EnumMap<>(IssueCode.class);
  private long errors;
  private long warnings;
  private int lineErrors;

  IssueCollector(int keepPerCode) {
    this.keepPerCode = keepPerCode;
  }

  /** Records an issue without a column. */
  void add(IssueCode code, long line, String path, String message) {
    add(code, line, null, path, message);
  }

  /** Records an issue. */
  void add(IssueCode code, long line, Integer column, String path, String message) {
    counts[code.ordinal()]++;
    if (code.severity() == Severity.ERROR) {
      errors++;
      lineErrors++;
    } else {
      warnings++;
    }
    List<Issue> list = kept.computeIfAbsent(code, c -> new ArrayList<>());
    if (list.size() < keepPerCode) {
      list.add(new Issue(code.severity(), code, line, column, path, message));
    }
  }

  /** Starts a new line: {@link #lineHasErrors()} now answers for it. */
  void startLine() {
    lineErrors = 0;
  }

  /** Whether an error was added since the last {@link #startLine()}. */
  boolean lineHasErrors() {
    return lineErrors > 0;
  }

  long count(IssueCode code) {
    return counts[code.ordinal()];
  }

  long errors() {
    return errors;
  }

  long warnings() {
    return warnings;
  }

  /** One summary per code that occurred: errors first, then by wire name; issues by line. */
  List<CodeSummary> summaries() {
    List<CodeSummary> out = new ArrayList<>();
    for (IssueCode code : IssueCode.values()) {
      if (counts[code.ordinal()] > 0) {
        List<Issue> issues = new ArrayList<>(kept.get(code));
        issues.sort((a, b) -> Long.compare(a.line(), b.line()));
        out.add(new CodeSummary(code, code.severity(), counts[code.ordinal()], issues));
      }
    }
    out.sort(
        (a, b) ->
            a.severity() != b.severity()
                ? a.severity().compareTo(b.severity())
                : a.code().code().compareTo(b.code().code()));
    return out;
  }
}
