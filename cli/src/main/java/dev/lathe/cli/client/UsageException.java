package dev.lathe.cli.client;

/** A command called wrongly (bad option value, unreadable local file): exit code 2. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
