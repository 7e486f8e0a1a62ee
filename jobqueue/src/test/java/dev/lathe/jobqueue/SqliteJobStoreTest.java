package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on an SQLite file in a temporary directory. */
class SqliteJobStoreTest extends WorkerContract {

  @TempDir Path dir;

  @Override
  protected JobStore open(MutableClock clock) {
    return new JdbcJobStore(
        JdbcDataSources.sqlite(dir.resolve("lathe.db")),
        JdbcDialect.SQLITE,
        clock,
        new RandomIdGenerator());
  }

  @Test
  void unsupportedUrlIsExplained() {
    assertThatThrownBy(() -> JdbcDialect.ofUrl("jdbc:mysql://db/lathe"))
        .hasMessageContaining("jdbc:sqlite:<file> or jdbc:postgresql://");
  }

  @Test
  void reopenedDatabaseKeepsJobsAndDoesNotMigrateAgain() throws Exception {
    Job job = store.create(NewJob.queued("p", "x"));
    store.appendEvent(job.id(), NewEvent.info("hello"));

    String url = "jdbc:sqlite:" + dir.resolve("lathe.db");
    JobStore reopened =
        new JdbcJobStore(
            JdbcDataSources.forUrl(url, null, null),
            JdbcDialect.ofUrl(url),
            clock,
            new RandomIdGenerator());

    assertThat(reopened.get(job.id())).contains(job);
    assertThat(reopened.listEvents(job.id(), null, 10).data()).hasSize(1);
    assertThat(
            JdbcMigrations.migrate(
                JdbcDataSources.sqlite(dir.resolve("lathe.db")), JdbcDialect.SQLITE, clock))
        .isEmpty();
  }
}
