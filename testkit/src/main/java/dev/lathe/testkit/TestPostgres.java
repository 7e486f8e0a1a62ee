package dev.lathe.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL server for the tests, started once per test JVM from the machine's PostgreSQL
 * binaries (Debian: {@code apt-get install -y postgresql}) in a temporary directory, on a free
 * loopback port, and stopped when the JVM exits. PostgreSQL refuses to run as root, so as root the
 * server runs as the {@code postgres} user (made by the Debian package; else {@code nobody})
 * through {@code runuser}. Each test gets its own schema.
 *
 * <p>With {@code LATHE_TEST_POSTGRES_URL} set (e.g. {@code
 * jdbc:postgresql://localhost:5432/postgres?user=postgres}) an existing server is used instead.
 * When neither is available the PostgreSQL tests are skipped, saying why, unless {@code
 * LATHE_REQUIRE_POSTGRES} is set (CI): then they fail. The PostgreSQL JDBC driver must be on the
 * test class path.
 */
public final class TestPostgres {

  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static String baseUrl; // jdbc:postgresql://127.0.0.1:PORT/postgres?user=postgres
  private static String unavailable;

  private TestPostgres() {}

  /** A JDBC URL whose default schema is fresh and empty. */
  public static synchronized String freshSchemaUrl() throws Exception {
    if (baseUrl == null && unavailable == null) {
      String given = System.getenv("LATHE_TEST_POSTGRES_URL");
      if (given != null && !given.isBlank()) {
        baseUrl = given;
      } else {
        start();
      }
    }
    if (unavailable != null && System.getenv("LATHE_REQUIRE_POSTGRES") != null) {
      // CI sets this: there a missing server is a broken setup, not a reason to skip.
      throw new IllegalStateException(unavailable + " (LATHE_REQUIRE_POSTGRES is set)");
    }
    Assumptions.assumeTrue(unavailable == null, () -> unavailable);
    String schema = "t" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
    try (Connection c = DriverManager.getConnection(baseUrl);
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  private static void start() throws Exception {
    Path bin = findBinaries();
    if (bin == null) {
      unavailable =
          "PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) under"
              + " /usr/lib/postgresql/*/bin or on PATH; install them with 'apt-get install -y"
              + " postgresql' or set LATHE_TEST_POSTGRES_URL";
      System.err.println(unavailable);
      return;
    }
    Path dir = Files.createTempDirectory("lathe-pg-");
    Path data = dir.resolve("data");
    List<String> asUser = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      String user = userExists("postgres") ? "postgres" : "nobody";
      run(List.of("chown", "-R", user, dir.toString()));
      asUser.addAll(List.of("runuser", "-u", user, "--"));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> initdb = new ArrayList<>(asUser);
    initdb.addAll(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync"));
    run(initdb);
    List<String> pgctl = new ArrayList<>(asUser);
    pgctl.addAll(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-t",
            "60",
            "-o",
            "-p "
                + port
                + " -k "
                + dir
                + " -c listen_addresses=127.0.0.1 -c fsync=off"
                + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            "start"));
    run(pgctl);
    List<String> stop = new ArrayList<>(asUser);
    stop.addAll(
        List.of(
            bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop"));
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    run(stop);
                    deleteTree(dir);
                  } catch (Exception e) {
                    System.err.println("could not stop the test PostgreSQL in " + dir + ": " + e);
                  }
                }));
    baseUrl = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
  }

  private static Path findBinaries() throws IOException {
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Path best =
            versions
                .map(v -> v.resolve("bin"))
                .filter(b -> Files.isExecutable(b.resolve("initdb")))
                .max(Comparator.comparingInt(TestPostgres::majorVersion))
                .orElse(null);
        if (best != null) {
          return best;
        }
      }
    }
    for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path b = Path.of(p);
      if (Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl"))) {
        return b;
      }
    }
    return null;
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean userExists(String user) throws Exception {
    Process p = new ProcessBuilder("id", "-u", user).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor() == 0;
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("'" + String.join(" ", command) + "' failed:\n" + out);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Drops the schema of a URL from {@link #freshSchemaUrl()} and everything in it. */
  public static void dropSchemaQuietly(String url) {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + url.substring(url.indexOf("currentSchema=") + 14) + " CASCADE");
    } catch (SQLException e) {
      System.err.println("could not drop test schema: " + e.getMessage());
    }
  }
}
