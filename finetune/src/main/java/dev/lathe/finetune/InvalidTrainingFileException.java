package dev.lathe.finetune;

import dev.lathe.dataset.ValidationReport;
import java.nio.file.Path;

/**
 * A training or validation file failed validation; {@link #field()} says which of the job's files
 * it is and {@link #report()} says where and why.
 */
public final class InvalidTrainingFileException extends RuntimeException {

  /** Which of a job's files failed, with the name OpenAI's job request gives it. */
  public enum Field {
    /** The training file ({@code training_file}). */
    TRAINING("training_file"),
    /** The validation file ({@code validation_file}). */
    VALIDATION("validation_file");

    private final String wireName;

    Field(String wireName) {
      this.wireName = wireName;
    }

    /** {@code training_file} or {@code validation_file}. */
    public String wireName() {
      return wireName;
    }
  }

  private final transient Path file;
  private final Field field;
  private final transient ValidationReport report;

  /** The failure of {@code file}, the job's {@code field}. */
  public InvalidTrainingFileException(Path file, Field field, ValidationReport report) {
    super(
        file
            + " is not a valid training file: "
            + report.errors()
            + " error(s); run `lathe validate` on it for the full report");
    this.file = file;
    this.field = field;
    this.report = report;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** Which of the job's files it is. */
  public Field field() {
    return field;
  }

  /** The validation report. */
  public ValidationReport report() {
    return report;
  }
}
