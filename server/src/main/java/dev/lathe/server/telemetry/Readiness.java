package dev.lathe.server.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Whether this process can do its work: the database answers a validity check, and the data
 * directory takes a new file. Each check is bounded by {@link BoundedCall#TIMEOUT}, so a probe
 * always answers quickly.
 *
 * @param database the server's connection pool
 * @param dataDir where files, jobs and (on SQLite) the database live
 */
public record Readiness(DataSource database, Path dataDir) {

  private static final Duration TIMEOUT = BoundedCall.TIMEOUT;

  /** The name of every check and its problem (empty when it passed), in a stable order. */
  public Map<String, Optional<String>> check() {
    Map<String, Optional<String>> results = new LinkedHashMap<>();
    results.put("database", bounded("the database", this::checkDatabase));
    results.put("data_dir", bounded("the data directory", this::checkDataDir));
    return results;
  }

  private Optional<String> checkDatabase() {
    try (Connection c = database.getConnection()) {
      return c.isValid((int) TIMEOUT.toSeconds())
          ? Optional.empty()
          : Optional.of("the database connection did not answer a validity check");
    } catch (SQLException | RuntimeException e) {
      return Optional.of("cannot reach the database: " + e.getMessage());
    }
  }

  private Optional<String> checkDataDir() {
    if (!Files.isDirectory(dataDir)) {
      return Optional.of("the data directory " + dataDir + " does not exist");
    }
    try {
      Path probe = Files.createTempFile(dataDir, ".ready-", ".tmp");
      Files.delete(probe);
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of("cannot write to the data directory " + dataDir + ": " + e);
    }
  }

  /** Runs {@code check}, giving up after {@link BoundedCall#TIMEOUT}. */
  private static Optional<String> bounded(String what, Supplier<Optional<String>> check) {
    try {
      return BoundedCall.within(check::get);
    } catch (TimeoutException e) {
      return Optional.of(what + " did not answer within " + TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException e) {
      return Optional.of(what + " check failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while checking " + what);
    }
  }
}
