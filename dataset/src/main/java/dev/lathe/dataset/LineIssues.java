package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** Where the checks of one line report to: the run's collector, at that line. */
final class LineIssues {
  private final IssueCollector collector;
  private long line;

  LineIssues(IssueCollector collector) {
    this.collector = collector;
  }

  /** Moves to {@code line} and clears its error flag. */
  void start(long line) {
    this.line = line;
    collector.startLine();
  }

  long line() {
    return line;
  }

  /** Reports {@code code} at {@code path} (null: the whole line) of the current line. */
  void report(IssueCode code, String path, String message) {
    collector.add(code, line, path, message);
  }

  /** Reports {@code code} at a 1-based byte column of the current line. */
  void report(IssueCode code, String path, Integer column, String message) {
    collector.add(code, line, column, path, message);
  }

  boolean hasErrors() {
    return collector.lineHasErrors();
  }

  /** A JSON value's kind for messages: "a string", "a number", "null", "an array", … */
  static String kind(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "missing";
    }
    return switch (node.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> "a number (" + node.asText() + ")";
      case BOOLEAN -> "a boolean (" + node.asText() + ")";
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
    };
  }
}
