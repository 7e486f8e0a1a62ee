package dev.lathe.finetune;

import dev.lathe.dataset.ValidationReport;
import java.nio.file.Path;

/** A training or validation file failed validation; {@link #report()} says where and why. */
public final class InvalidTrainingFileException extends RuntimeException {

  private final transient Path file;
  private final transient ValidationReport report;

  /** The failure of {@code file}. */
  public InvalidTrainingFileException(Path file, ValidationReport report) {
    super(
        file
            + " is not a valid training file: "
            + report.errors()
            + " error(s); run `lathe validate` on it for the full report");
    this.file = file;
    this.report = report;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** The validation report. */
  public ValidationReport report() {
    return report;
  }
}
