package dev.lathe.dataset.build;

import dev.lathe.dataset.ValidationReport;
import java.util.List;

/**
 * What a build did.
 *
 * @param records records (or input lines) read
 * @param examples examples the records gave
 * @param exactDuplicates examples dropped as exact duplicates
 * @param nearDuplicates examples dropped as near duplicates
 * @param overBudget examples dropped for exceeding the token budget
 * @param trainExamples examples in the output (training side)
 * @param validationExamples examples on the validation side (0 without a split)
 * @param trainReport the validator's report on the output
 * @param validationReport its report on the validation file; null without a split
 * @param dropped the first few dropped examples' origins and reasons
 * @param written whether the files were written (false: the validator found errors)
 */
public record BuildReport(
    long records,
    long examples,
    long exactDuplicates,
    long nearDuplicates,
    long overBudget,
    long trainExamples,
    long validationExamples,
    ValidationReport trainReport,
    ValidationReport validationReport,
    List<String> dropped,
    boolean written) {

  /** Copies the list. */
  public BuildReport {
    dropped = List.copyOf(dropped);
  }
}
