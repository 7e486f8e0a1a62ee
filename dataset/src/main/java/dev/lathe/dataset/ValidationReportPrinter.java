package dev.lathe.dataset;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Prints a validation report for a terminal: the format and counts, then errors and warnings
 * grouped by code (count and the first few occurrences with line, JSON path and message), then the
 * statistics and estimates ({@link StatisticsPrinter}).
 */
public final class ValidationReportPrinter {

  private ValidationReportPrinter() {}

  /**
   * Prints the whole report.
   *
   * @param fileName the file as the user named it
   * @param report the validation result
   * @param estimate the statistics and estimates; null when they were not computed
   * @param occurrences how many occurrences to show per code (the report may keep more)
   */
  public static void print(
      String fileName,
      ValidationReport report,
      DatasetEstimate estimate,
      int occurrences,
      PrintWriter out) {
    out.println("File: " + fileName);
    out.println(
        "Format: "
            + (report.format() == null ? "unknown" : wireName(report.format()))
            + (report.expectedFormat() == null
                ? ""
                : " (required: " + wireName(report.expectedFormat()) + ")"));
    out.println(
        "Examples: "
            + report.examples()
            + " ("
            + report.validExamples()
            + " valid); lines: "
            + report.lines()
            + "; bytes: "
            + report.bytes());
    out.println();
    section(out, report, Severity.ERROR, occurrences);
    section(out, report, Severity.WARNING, occurrences);
    if (estimate != null) {
      out.println();
      StatisticsPrinter.print(estimate, out);
    }
    out.println();
    out.println(
        report.hasErrors()
            ? "Result: INVALID, " + report.errors() + " error(s) must be fixed before training"
            : "Result: OK" + (report.warnings() > 0 ? " (with warnings)" : ""));
    out.flush();
  }

  private static void section(
      PrintWriter out, ValidationReport report, Severity severity, int occurrences) {
    List<CodeSummary> codes =
        report.codes().stream().filter(c -> c.severity() == severity).toList();
    String plural = severity == Severity.ERROR ? "errors" : "warnings";
    long total = severity == Severity.ERROR ? report.errors() : report.warnings();
    if (codes.isEmpty()) {
      out.println("No " + plural + " found");
      return;
    }
    out.println("Found " + total + " " + plural + ":");
    for (CodeSummary code : codes) {
      out.println("  " + code.code().code() + ": " + code.count());
      List<Issue> first = code.first();
      for (int i = 0; i < Math.min(occurrences, first.size()); i++) {
        out.println("    " + where(first.get(i)) + ": " + first.get(i).message());
      }
      long hidden = code.count() - Math.min(occurrences, first.size());
      if (hidden > 0) {
        out.println("    … and " + hidden + " more");
      }
    }
  }

  private static String where(Issue issue) {
    StringBuilder s = new StringBuilder(issue.line() == 0 ? "file" : "line " + issue.line());
    if (issue.column() != null) {
      s.append(", column ").append(issue.column());
    }
    if (issue.path() != null) {
      s.append(", ").append(issue.path());
    }
    return s.toString();
  }

  /** {@code chat}, {@code preference}, {@code prompt_completion}. */
  static String wireName(DatasetFormat format) {
    return format.name().toLowerCase(Locale.ROOT);
  }
}
