package dev.lathe.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real S3 API server for the tests: S3Proxy (Maven Central's {@code org.gaul:s3proxy}, copied
 * next to the testkit's classes by its build) in its own JVM, listening over HTTP on a free
 * loopback port, keeping objects as files under a directory of the test's (its filesystem backend),
 * signing in with AWS Signature V4. One bucket, {@link #BUCKET}, exists from the start. The jar is
 * found through the {@code lathe.s3proxy.jar} system property the build sets; without it the test
 * fails, saying so.
 */
public final class TestS3 implements AutoCloseable {
  public static final String BUCKET = "lathe-test";
  public static final String ACCESS_KEY = "lathe-test-key";
  public static final String SECRET_KEY = "lathe-test-secret";
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private final String jar;
  private final Path properties;
  private final int port;
  private final Path log;
  private Process process;

  private TestS3(String jar, Path properties, int port, Path log) {
    this.jar = jar;
    this.properties = properties;
    this.port = port;
    this.log = log;
  }

  /** Starts a server keeping its objects and log under {@code dir}; waits until it listens. */
  public static TestS3 start(Path dir) throws IOException, InterruptedException {
    String jar = System.getProperty("lathe.s3proxy.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          "S3Proxy's jar is missing ("
              + jar
              + "): build the testkit module first (mvn -pl <module> -am …), which copies it");
    }
    Path blobs = Files.createDirectories(dir.resolve("s3-blobs"));
    Files.createDirectories(blobs.resolve(BUCKET));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path properties = dir.resolve("s3proxy.properties");
    Files.writeString(
        properties,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + blobs.toAbsolutePath(),
            ""));
    TestS3 server = new TestS3(jar, properties, port, dir.resolve("s3proxy.log"));
    server.restart();
    // a test JVM that ends without closing it (a crash, a timeout) does not leave it running
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (server.process != null) {
                    server.process.destroyForcibly();
                  }
                }));
    return server;
  }

  /** Starts the (stopped) server again on the same port, with the objects it had. */
  public void restart() throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    process =
        new ProcessBuilder(
                java.toString(), "-Xmx512m", "-jar", jar, "--properties", properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!listening()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException("S3Proxy did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  private boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** What the server logged so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  /** The directory the server keeps the bucket's objects in, one file per key. */
  public Path bucketDir() {
    return blobs().resolve(BUCKET);
  }

  private Path blobs() {
    return properties.resolveSibling("s3-blobs");
  }

  /**
   * Stops the server (SIGKILL) and waits until its port is closed: it is unreachable until {@link
   * #restart()}, its objects stay.
   */
  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    while (listening()) {
      Thread.sleep(50);
    }
  }
}
