package dev.lathe.dataset.build;

/**
 * Input the builder cannot turn into a dataset: the message says what is wrong, where (file, line,
 * record, field) and how to fix it. Nothing has been written when it is thrown.
 */
public final class DatasetBuildException extends RuntimeException {

  /** An error with its user-facing message. */
  public DatasetBuildException(String message) {
    super(message);
  }

  /** An error with its user-facing message and cause. */
  public DatasetBuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
