package dev.lathe.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.store.Ids;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.testkit.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import javax.sql.DataSource;

/**
 * A real server on a free loopback port with two projects (keys {@link #KEY_A}, {@link #KEY_B}), an
 * admin key, and the shared stories260K llama2.c model as {@code stories260k} (aliased {@code
 * gpt-4o-mini-2024-07-18}) plus TinyStories-656K as {@code tinystories-656k}; no fine-tuning
 * workers unless asked for; on SQLite under the data dir unless another {@link TestDatabase} is
 * asked for.
 */
final class TestServer implements AutoCloseable {
  static final String KEY_A = "sk-test-project-a-0001";
  static final String KEY_B = "sk-test-project-b-0002";
  static final String KEY_ADMIN = "sk-test-admin-0003";

  private static final InstantSource FIXED_CLOCK =
      InstantSource.fixed(Instant.parse("2026-11-22T12:00:00Z"));

  final LatheServer server;
  final Path dataDir;

  /** The server's {@code db_url}: null when it runs on SQLite under {@link #dataDir}. */
  final String dbUrl;

  TestServer(Path dataDir) throws IOException {
    this(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT);
  }

  TestServer(Path dataDir, long uploadLimit) throws IOException {
    this(dataDir, uploadLimit, 0);
  }

  /** A server with {@code workers} in-process fine-tuning workers (0: jobs stay queued). */
  TestServer(Path dataDir, long uploadLimit, int workers) throws IOException {
    this(dataDir, uploadLimit, workers, TestDatabase.SQLITE);
  }

  /** A server without workers on {@code database}. */
  TestServer(Path dataDir, TestDatabase database) throws IOException {
    this(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 0, database);
  }

  /** A server with {@code workers} in-process fine-tuning workers on {@code database}. */
  TestServer(Path dataDir, long uploadLimit, int workers, TestDatabase database)
      throws IOException {
    this(dataDir, uploadLimit, workers, database, ServerConfig.DEFAULT_LORA_RANK);
  }

  /** As above, fine-tuning at LoRA rank {@code loraRank} (0: full fine-tuning). */
  TestServer(Path dataDir, long uploadLimit, int workers, TestDatabase database, int loraRank)
      throws IOException {
    this(dataDir, uploadLimit, workers, database, loraRank, FIXED_CLOCK);
  }

  /**
   * A server with {@code workers} workers on SQLite whose clock is the real one: for pages that
   * show durations, finish estimates and event times.
   */
  static TestServer withRealClock(Path dataDir, int workers) throws IOException {
    return new TestServer(
        dataDir,
        ServerConfig.DEFAULT_UPLOAD_LIMIT,
        workers,
        TestDatabase.SQLITE,
        ServerConfig.DEFAULT_LORA_RANK,
        InstantSource.system());
  }

  /**
   * A server without workers on a database that already exists: {@code lathe.db} under {@code
   * dataDir} when {@code dbUrl} is null, else that PostgreSQL URL (its schema is dropped at close).
   */
  static TestServer onExistingDatabase(Path dataDir, String dbUrl) throws IOException {
    return new TestServer(
        dataDir,
        ServerConfig.DEFAULT_UPLOAD_LIMIT,
        0,
        null,
        ServerConfig.DEFAULT_LORA_RANK,
        FIXED_CLOCK,
        dbUrl);
  }

  /** A server without workers that also serves {@code extraModels} (name to directory). */
  static TestServer withModels(Path dataDir, Map<String, String> extraModels) throws IOException {
    return withModels(dataDir, 0, extraModels);
  }

  /** A server with {@code workers} workers that also serves {@code extraModels}. */
  static TestServer withModels(Path dataDir, int workers, Map<String, String> extraModels)
      throws IOException {
    return new TestServer(
        dataDir,
        ServerConfig.DEFAULT_UPLOAD_LIMIT,
        workers,
        ServerConfig.DEFAULT_LORA_RANK,
        FIXED_CLOCK,
        null,
        extraModels,
        StorageConfig.LOCAL,
        ServerConfig.JobDefaults.NONE);
  }

  /** A server with {@code workers} workers whose jobs default to {@code jobDefaults}. */
  static TestServer withJobDefaults(Path dataDir, int workers, ServerConfig.JobDefaults jobDefaults)
      throws IOException {
    return new TestServer(
        dataDir,
        ServerConfig.DEFAULT_UPLOAD_LIMIT,
        workers,
        ServerConfig.DEFAULT_LORA_RANK,
        FIXED_CLOCK,
        null,
        Map.of(),
        StorageConfig.LOCAL,
        jobDefaults);
  }

  private TestServer(
      Path dataDir,
      long uploadLimit,
      int workers,
      TestDatabase database,
      int loraRank,
      InstantSource clock)
      throws IOException {
    this(dataDir, uploadLimit, workers, database, loraRank, clock, freshUrl(database));
  }

  private TestServer(
      Path dataDir,
      long uploadLimit,
      int workers,
      TestDatabase database,
      int loraRank,
      InstantSource clock,
      String dbUrl)
      throws IOException {
    this(
        dataDir,
        uploadLimit,
        workers,
        loraRank,
        clock,
        dbUrl,
        Map.of(),
        StorageConfig.LOCAL,
        ServerConfig.JobDefaults.NONE);
  }

  /**
   * A server with {@code workers} workers on PostgreSQL that keeps what it stores where {@code
   * storage} says.
   */
  static TestServer withStorage(Path dataDir, int workers, StorageConfig storage)
      throws IOException {
    return new TestServer(
        dataDir,
        ServerConfig.DEFAULT_UPLOAD_LIMIT,
        workers,
        ServerConfig.DEFAULT_LORA_RANK,
        FIXED_CLOCK,
        freshUrl(TestDatabase.POSTGRESQL),
        Map.of(),
        storage,
        ServerConfig.JobDefaults.NONE);
  }

  private static String freshUrl(TestDatabase database) throws IOException {
    try {
      return database.freshDbUrl();
    } catch (IOException | RuntimeException e) {
      throw e; // a skipped assumption stays a skip
    } catch (Exception e) {
      throw new IOException("cannot prepare the test database " + database + ": " + e, e);
    }
  }

  private TestServer(
      Path dataDir,
      long uploadLimit,
      int workers,
      int loraRank,
      InstantSource clock,
      String dbUrl,
      Map<String, String> extraModels,
      StorageConfig storage,
      ServerConfig.JobDefaults jobDefaults)
      throws IOException {
    this.dataDir = dataDir;
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    this.dbUrl = dbUrl;
    ServerConfig config =
        new ServerConfig(
            "127.0.0.1",
            0,
            dataDir,
            dbUrl,
            uploadLimit,
            List.of(
                new ServerConfig.ApiKey(KEY_A, "proj_a", false),
                new ServerConfig.ApiKey(KEY_B, "proj_b", false),
                new ServerConfig.ApiKey(KEY_ADMIN, "proj_admin", true)),
            models(stories, tiny, extraModels),
            Map.of("gpt-4o-mini-2024-07-18", "stories260k"),
            workers,
            loraRank,
            ServerConfig.Telemetry.DEFAULTS,
            storage,
            jobDefaults);
    SplittableRandom random = new SplittableRandom(42);
    server =
        LatheServer.start(
            config,
            new HubSettings(
                HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dataDir.resolve("hub"), true),
            clock,
            new Ids(new SplittableRandom(7)),
            random::nextLong);
  }

  private static Map<String, String> models(Path stories, Path tiny, Map<String, String> extra) {
    Map<String, String> all = new java.util.TreeMap<>(extra);
    all.put("stories260k", stories.toString());
    all.put("tinystories-656k", tiny.toString());
    return all;
  }

  /** A fresh, unpooled connection source on the server's database (to plant rows in tests). */
  DataSource database() {
    return dbUrl == null
        ? JdbcDataSources.sqlite(dataDir.resolve("lathe.db"))
        : JdbcDataSources.postgresql(dbUrl, null, null);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  URI uri(String path) {
    return URI.create(baseUrl() + path);
  }

  OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(baseUrl()).maxRetries(0).build();
  }

  @Override
  public void close() {
    server.close();
    if (dbUrl != null) {
      TestPostgres.dropSchemaQuietly(dbUrl);
    }
  }
}
