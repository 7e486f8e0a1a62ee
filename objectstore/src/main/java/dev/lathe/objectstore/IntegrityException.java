package dev.lathe.objectstore;

import java.io.IOException;

/** Bytes written or read did not have the size or SHA-256 expected of them; nothing was stored. */
public final class IntegrityException extends IOException {
  public IntegrityException(String message) {
    super(message);
  }
}
