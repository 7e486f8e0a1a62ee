package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The contract on a real PostgreSQL server ({@link TestPostgres}), one schema per test. */
class PostgresJobStoreTest extends WorkerContract {

  private final List<String> urls = new ArrayList<>();

  @Override
  protected JobStore open(MutableClock clock) throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    urls.add(url);
    return new JdbcJobStore(
        JdbcDataSources.postgresql(url, null, null),
        JdbcDialect.POSTGRESQL,
        clock,
        new RandomIdGenerator());
  }

  @Test
  void claimSkipsJobsLockedByOtherTransactions() throws Exception {
    Job first = store.create(NewJob.queued("p", "first"));
    Job second = store.create(NewJob.queued("p", "second"));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (Connection other = DriverManager.getConnection(urls.getLast())) {
      other.setAutoCommit(false);
      try (PreparedStatement ps =
          other.prepareStatement("SELECT id FROM jobs WHERE id = ? FOR UPDATE")) {
        ps.setString(1, first.id());
        ps.executeQuery().close();
      }

      // without SKIP LOCKED the claim would wait for the other transaction
      Future<Optional<Job>> claim = pool.submit(() -> store.claim("w", FINE_TUNES, LEASE));

      assertThat(claim.get(20, TimeUnit.SECONDS)).map(Job::id).contains(second.id());
      other.rollback();
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.claim("w", FINE_TUNES, LEASE)).map(Job::id).contains(first.id());
  }

  @Override
  protected void cleanUp() {
    urls.forEach(TestPostgres::dropSchemaQuietly);
  }
}
