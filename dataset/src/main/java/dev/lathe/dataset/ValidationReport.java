package dev.lathe.dataset;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The immutable result of validating one dataset file. Serializes to (and reads back from) JSON
 * with Jackson, in snake_case, for {@code lathe validate --json} and the upload API.
 *
 * @param format the format detected from the first recognizable example; null when none was
 * @param expectedFormat the format the caller required (the job's method); null for "any"
 * @param examples lines that are examples: non-blank lines, a pretty-printed value counting once
 * @param validExamples examples without any error
 * @param lines lines read (a final line without a newline counts)
 * @param bytes bytes read
 * @param errors number of error issues, all codes together
 * @param warnings number of warning issues, all codes together
 * @param codes one summary per code that occurred: errors first, then by code name
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationReport(
    DatasetFormat format,
    DatasetFormat expectedFormat,
    long examples,
    long validExamples,
    long lines,
    long bytes,
    long errors,
    long warnings,
    List<CodeSummary> codes) {

  /** Validates and copies. */
  public ValidationReport {
    codes = List.copyOf(codes);
    if (validExamples > examples) {
      throw new IllegalArgumentException("valid " + validExamples + " > examples " + examples);
    }
  }

  /** Whether any error was found: the file must not be used for a job. */
  @JsonIgnore
  public boolean hasErrors() {
    return errors > 0;
  }

  /** How many times {@code code} occurred (0 when never). */
  public long count(IssueCode code) {
    return codes.stream().filter(c -> c.code() == code).mapToLong(CodeSummary::count).sum();
  }

  /** The kept issues of {@code code}, in line order. */
  public List<Issue> issues(IssueCode code) {
    return codes.stream().filter(c -> c.code() == code).flatMap(c -> c.first().stream()).toList();
  }

  /** Every kept issue, by line (whole-file issues, line 0, first), then by code. */
  @JsonIgnore
  public List<Issue> issues() {
    List<Issue> all = new ArrayList<>();
    codes.forEach(c -> all.addAll(c.first()));
    all.sort(Comparator.comparingLong(Issue::line).thenComparing(Issue::code));
    return List.copyOf(all);
  }
}
