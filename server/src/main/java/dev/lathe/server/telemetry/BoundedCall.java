package dev.lathe.server.telemetry;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call that may block on an unreachable database (a pool waits up to half a minute for a
 * connection), run on a virtual thread and waited for at most {@link #TIMEOUT}: probes and scrapes
 * answer quickly whatever the database does. On timeout the call is interrupted and its result
 * dropped.
 */
final class BoundedCall {
  /** How long a probe's check or a scrape's store readings may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private BoundedCall() {}

  /** {@code call}'s result, unless it takes longer than {@link #TIMEOUT}. */
  static <T> T within(Callable<T> call)
      throws TimeoutException, ExecutionException, InterruptedException {
    FutureTask<T> task = new FutureTask<>(call);
    Thread.ofVirtual().name("lathe-bounded-call").start(task);
    try {
      return task.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      task.cancel(true);
      throw e;
    }
  }
}
