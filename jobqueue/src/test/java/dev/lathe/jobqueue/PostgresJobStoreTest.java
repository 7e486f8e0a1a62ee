package dev.lathe.jobqueue;

import java.util.ArrayList;
import java.util.List;

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

  @Override
  protected void cleanUp() {
    urls.forEach(TestPostgres::dropSchemaQuietly);
  }
}
