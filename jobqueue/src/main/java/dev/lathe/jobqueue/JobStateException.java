package dev.lathe.jobqueue;

/** A transition the state machine does not allow, e.g. cancelling a job that already succeeded. */
public class JobStateException extends IllegalStateException {

  public JobStateException(String message) {
    super(message);
  }
}
