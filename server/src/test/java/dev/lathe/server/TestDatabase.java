package dev.lathe.server;

import dev.lathe.testkit.TestPostgres;

/**
 * The databases the server's end-to-end tests run on: the embedded SQLite file under the data dir
 * (the default) and a real PostgreSQL server ({@link TestPostgres}: skipped when none can be
 * started, failed instead when {@code LATHE_REQUIRE_POSTGRES} is set).
 */
enum TestDatabase {
  SQLITE,
  POSTGRESQL;

  /** The server's {@code db_url}: null for SQLite, else a URL of a fresh PostgreSQL schema. */
  String freshDbUrl() throws Exception {
    return this == SQLITE ? null : TestPostgres.freshSchemaUrl();
  }
}
