package dev.lathe.jobqueue;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link Worker} runs.
 *
 * @param workerId unique among live workers (e.g. host name and process id); each claim holds its
 *     lease as {@code workerId#n}, n counting this worker's claims
 * @param concurrency how many jobs it runs at once, >= 1
 * @param pollInterval how long it waits before looking for work again when the queue was empty
 * @param leaseDuration how long a claimed job stays its own without a heartbeat
 * @param heartbeatInterval how often it renews its leases; at most a third of the lease, so two
 *     heartbeats can be late before the lease runs out
 * @param shutdownTimeout how long {@link Worker#close()} waits for handlers to stop
 */
public record WorkerConfig(
    String workerId,
    int concurrency,
    Duration pollInterval,
    Duration leaseDuration,
    Duration heartbeatInterval,
    Duration shutdownTimeout) {

  /** Defaults: one job at a time, poll every second, 60 s leases renewed every 10 s. */
  public static WorkerConfig defaults(String workerId) {
    return new WorkerConfig(
        workerId,
        1,
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30));
  }

  public WorkerConfig {
    Objects.requireNonNull(workerId, "workerId");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(leaseDuration, "leaseDuration");
    Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
    if (workerId.isBlank()) {
      throw new IllegalArgumentException("workerId must not be blank");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
    }
    positive("pollInterval", pollInterval);
    positive("leaseDuration", leaseDuration);
    positive("heartbeatInterval", heartbeatInterval);
    if (heartbeatInterval.multipliedBy(3).compareTo(leaseDuration) > 0) {
      throw new IllegalArgumentException(
          "heartbeatInterval "
              + heartbeatInterval
              + " must be at most a third of leaseDuration "
              + leaseDuration
              + ", or a single late heartbeat loses the lease");
    }
    if (shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException("shutdownTimeout must not be negative");
    }
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  /** The same config with another worker id. */
  public WorkerConfig withWorkerId(String id) {
    return new WorkerConfig(
        id, concurrency, pollInterval, leaseDuration, heartbeatInterval, shutdownTimeout);
  }
}
