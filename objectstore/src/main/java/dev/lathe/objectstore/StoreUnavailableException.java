package dev.lathe.objectstore;

import java.io.IOException;

/**
 * The object store could not be reached or refused the request (a network error, a missing bucket,
 * rejected credentials). The message says which store and what happened; nothing stored was changed
 * by the failed request.
 */
public final class StoreUnavailableException extends IOException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
