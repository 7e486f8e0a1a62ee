package dev.lathe.jobqueue;

/** The job (or the {@code after} cursor of a list) names no job in the store. */
public final class NoSuchJobException extends IllegalArgumentException {

  public NoSuchJobException(String what) {
    super(what);
  }
}
