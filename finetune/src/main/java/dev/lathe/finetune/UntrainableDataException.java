package dev.lathe.finetune;

import java.nio.file.Path;
import java.util.List;

/**
 * A file passed validation but cannot teach the model what it should: no example trains a token, or
 * examples do not train the end-of-turn token (the model could not learn to stop). Thrown by {@link
 * TrainingPreflight} before step 1; the message names the file, the lines and the fix.
 */
public final class UntrainableDataException extends RuntimeException {

  private final transient Path file;
  private final InvalidTrainingFileException.Field field;
  private final List<Long> lines;
  private final String detail;

  /**
   * The failure of {@code file} (the job's {@code field}) at {@code lines}; the message is the
   * file's name, a colon and {@code detail}.
   */
  public UntrainableDataException(
      Path file, InvalidTrainingFileException.Field field, List<Long> lines, String detail) {
    super(file.getFileName() + ": " + detail);
    this.file = file;
    this.field = field;
    this.lines = List.copyOf(lines);
    this.detail = detail;
  }

  /** What is wrong and how to fix it, without the file's name (a server names files by id). */
  public String detail() {
    return detail;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** Which of the job's files it is. */
  public InvalidTrainingFileException.Field field() {
    return field;
  }

  /** The 1-based lines at fault. */
  public List<Long> lines() {
    return lines;
  }
}
