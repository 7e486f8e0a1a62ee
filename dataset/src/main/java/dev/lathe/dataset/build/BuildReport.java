package dev.lathe.dataset.build;

import dev.lathe.dataset.ValidationReport;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * @param trainOrigins for an output not written: the record each line named in the training report
 *     came from, by output line
 * @param validationOrigins the same for the validation report
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
    Map<Long, String> trainOrigins,
    Map<Long, String> validationOrigins,
    boolean written) {

  /** Copies the collections. */
  public BuildReport {
    dropped = List.copyOf(dropped);
    trainOrigins = Collections.unmodifiableMap(new TreeMap<>(trainOrigins));
    validationOrigins = Collections.unmodifiableMap(new TreeMap<>(validationOrigins));
  }
}
