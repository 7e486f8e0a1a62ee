package dev.lathe.dataset;

/**
 * How a file is validated.
 *
 * @param expectedFormat the format the job needs (PREFERENCE for DPO, CHAT for supervised); null
 *     accepts whichever format the file has
 * @param maxIssuesPerCode occurrences kept per code in the report (all are counted)
 * @param minExamples fewer examples than this is an error ({@code invalid_n_examples}; OpenAI: 10)
 * @param recommendedExamples fewer examples than this is a warning (OpenAI suggests 50 to 100)
 * @param maxLineBytes a longer line is rejected without being held in memory
 * @param maxTrackedDuplicates distinct example hashes remembered for duplicate detection (32 bytes
 *     each); later distinct lines are no longer tracked
 */
public record ValidationOptions(
    DatasetFormat expectedFormat,
    int maxIssuesPerCode,
    int minExamples,
    int recommendedExamples,
    int maxLineBytes,
    int maxTrackedDuplicates) {

  /** OpenAI's minimum number of training examples. */
  public static final int OPENAI_MIN_EXAMPLES = 10;

  /** The lower end of OpenAI's "clear improvements from 50 to 100 examples". */
  public static final int OPENAI_RECOMMENDED_EXAMPLES = 50;

  /** Validates the limits. */
  public ValidationOptions {
    if (maxIssuesPerCode < 1) {
      throw new IllegalArgumentException("maxIssuesPerCode must be >= 1, got " + maxIssuesPerCode);
    }
    if (minExamples < 0 || recommendedExamples < minExamples) {
      throw new IllegalArgumentException(
          "need 0 <= minExamples <= recommendedExamples, got "
              + minExamples
              + " and "
              + recommendedExamples);
    }
    if (maxLineBytes < 1024) {
      throw new IllegalArgumentException("maxLineBytes must be >= 1024, got " + maxLineBytes);
    }
    if (maxTrackedDuplicates < 0) {
      throw new IllegalArgumentException(
          "maxTrackedDuplicates must be >= 0, got " + maxTrackedDuplicates);
    }
  }

  /**
   * Any format; 100 issues kept per code; OpenAI's 10 / 50 example thresholds; lines up to 64 MiB;
   * 2 Mi tracked hashes (at most 64 MiB of tables).
   */
  public static ValidationOptions defaults() {
    return new ValidationOptions(
        null, 100, OPENAI_MIN_EXAMPLES, OPENAI_RECOMMENDED_EXAMPLES, 64 << 20, 2 << 20);
  }

  /** These options, requiring {@code format} (null: any). */
  public ValidationOptions withExpectedFormat(DatasetFormat format) {
    return new ValidationOptions(
        format,
        maxIssuesPerCode,
        minExamples,
        recommendedExamples,
        maxLineBytes,
        maxTrackedDuplicates);
  }

  /** These options, keeping {@code n} issues per code. */
  public ValidationOptions withMaxIssuesPerCode(int n) {
    return new ValidationOptions(
        expectedFormat, n, minExamples, recommendedExamples, maxLineBytes, maxTrackedDuplicates);
  }

  /** These options, with a different maximum line length in bytes. */
  public ValidationOptions withMaxLineBytes(int bytes) {
    return new ValidationOptions(
        expectedFormat,
        maxIssuesPerCode,
        minExamples,
        recommendedExamples,
        bytes,
        maxTrackedDuplicates);
  }
}
