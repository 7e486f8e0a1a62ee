package dev.lathe.jobqueue;

/** The database failed (connection lost, disk full, …); the message names the operation. */
public final class JobStoreException extends RuntimeException {

  public JobStoreException(String operation, Throwable cause) {
    super("job store: " + operation + " failed: " + cause.getMessage(), cause);
  }
}
