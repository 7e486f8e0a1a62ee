package dev.lathe.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.store.FileStore;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PostgreSQL URL where no server listens (a stopped database): the connection pool would wait
 * half a minute for a connection, but the readiness probe answers that the database did not answer,
 * and a scrape still answers with the file store's gauge at its last value.
 */
class UnreachableDatabaseTest {
  @TempDir Path dataDir;

  private static HikariDataSource stoppedPostgres() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    return JdbcDataSources.pooled(
        JdbcDataSources.postgresql("jdbc:postgresql://127.0.0.1:" + port + "/lathe", null, null),
        "stopped",
        1);
  }

  @Test
  void readinessNamesTheDatabaseThatDoesNotAnswer() throws Exception {
    try (HikariDataSource db = stoppedPostgres()) {
      Map<String, Optional<String>> checks = new Readiness(db, dataDir).check();
      assertThat(checks.get("database"))
          .hasValueSatisfying(
              p -> assertThat(p).isEqualTo("the database did not answer within 2 s"));
      assertThat(checks.get("data_dir")).isEmpty();
    }
  }

  @Test
  void aScrapeAnswersWithTheLastValuesWhenTheStoreDoesNot() throws Exception {
    try (HikariDataSource db = stoppedPostgres();
        ServerMetrics metrics = ServerMetrics.create(InstantSource.system(), System::nanoTime)) {
      metrics.readFileBytes(new FileStore(db)::totalBytes);
      assertThat(metrics.scrape()).contains("\nlathe_file_store_bytes 0.0\n");
    }
  }
}
