package dev.lathe.dataset.build;

import dev.lathe.dataset.CodeSummary;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.ValidationReport;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the lines of a rejected output came from: the builder writes each kept example's origin
 * ({@code elements.csv line 4}) to a side file, one per line, and on validation errors looks up the
 * lines the report names, replaying the split for the validation side.
 */
final class OutputOrigins {

  private OutputOrigins() {}

  /**
   * The origins of the lines {@code report} names in one output.
   *
   * @param origins every kept example's origin, in order
   * @param hashes the examples' group hashes (null without a split)
   * @param split the split (null without one)
   * @param validationSide whether the report is of the validation side
   */
  static Map<Long, String> of(
      ValidationReport report, Path origins, Path hashes, SplitPlan split, boolean validationSide)
      throws IOException {
    Set<Long> wanted = new TreeSet<>();
    for (CodeSummary code : report.codes()) {
      for (Issue issue : code.first()) {
        if (issue.line() > 0) {
          wanted.add(issue.line());
        }
      }
    }
    Map<Long, String> found = new TreeMap<>();
    if (wanted.isEmpty()) {
      return found;
    }
    try (BufferedReader in = Files.newBufferedReader(origins, StandardCharsets.UTF_8);
        DataInputStream groups =
            hashes == null
                ? null
                : new DataInputStream(new BufferedInputStream(Files.newInputStream(hashes)))) {
      long line = 0;
      for (String origin = in.readLine(); origin != null; origin = in.readLine()) {
        boolean side = groups == null || split.validation(groups.readLong()) == validationSide;
        if (side && wanted.contains(++line)) {
          found.put(line, origin);
        }
      }
    }
    return found;
  }
}
