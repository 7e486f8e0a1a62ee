package dev.lathe.jobqueue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Data sources configured the way {@link JdbcJobStore} needs them. */
public final class JdbcDataSources {

  private JdbcDataSources() {}

  /**
   * An SQLite database file: write-ahead log (readers do not block the writer), foreign keys on,
   * every transaction {@code BEGIN IMMEDIATE} (the claim's exclusivity rests on it), and a busy
   * timeout so concurrent writers wait instead of failing.
   */
  public static DataSource sqlite(Path file) {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.enforceForeignKeys(true);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    config.setBusyTimeout(60_000);
    SQLiteDataSource ds = new SQLiteDataSource(config);
    ds.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
    return ds;
  }

  /**
   * A PostgreSQL database (user and password may be null when the URL carries them), one connection
   * per operation; wrap it in a pool (e.g. HikariCP) in a long-running service.
   */
  public static DataSource postgresql(String url, String user, String password) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(url);
    if (user != null) {
      ds.setUser(user);
    }
    if (password != null) {
      ds.setPassword(password);
    }
    return ds;
  }

  /**
   * A connection pool over {@code dataSource}, for a long-running service: at most {@code
   * maxConnections} connections, kept open between operations (one idle at least). Opening an
   * SQLite connection costs more than the query it serves (the file is opened and the schema parsed
   * again), and so does a PostgreSQL connection (a TCP handshake and a server process). Close the
   * pool when the service stops.
   *
   * @param name shown in the pool's thread names
   */
  public static HikariDataSource pooled(DataSource dataSource, String name, int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
    HikariConfig config = new HikariConfig();
    config.setDataSource(dataSource);
    config.setPoolName(name);
    config.setMaximumPoolSize(maxConnections);
    config.setMinimumIdle(1);
    // a database that is not there yet (PostgreSQL still starting) fails the first operation, not
    // the construction of the pool
    config.setInitializationFailTimeout(-1);
    return new HikariDataSource(config);
  }

  /**
   * The data source for a JDBC URL: {@code jdbc:sqlite:<file>} or {@code
   * jdbc:postgresql://<host>:<port>/<database>} (user and password may be null when the URL carries
   * them or the server trusts the client).
   */
  public static DataSource forUrl(String url, String user, String password) {
    return switch (JdbcDialect.ofUrl(url)) {
      case SQLITE -> sqlite(Path.of(url.substring("jdbc:sqlite:".length())));
      case POSTGRESQL -> postgresql(url, user, password);
    };
  }
}
