package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.RandomIdGenerator;
import dev.lathe.server.LatheServer;
import dev.lathe.server.ServerConfig;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.testkit.TestPostgres;
import dev.lathe.testkit.TestS3;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Separate {@code lathe worker} processes train a job queued on an HTTP server that has no workers
 * of its own: the first is stopped with SIGTERM after the first epoch's checkpoint (the job goes
 * back to the queue at once), the second is killed with SIGKILL after a later checkpoint (the job
 * stays claimed by a dead worker), and the third takes the job over when that lease runs out and
 * finishes it from the last checkpoint. The job's history must read as one run: every step's event
 * exactly once, each checkpoint once, one result file, one model that answers. On SQLite (processes
 * of one machine) and on PostgreSQL (what several machines share).
 */
class WorkerCrashTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration PATIENCE = Duration.ofSeconds(120);
  static final int EXAMPLES = 16;
  static final int EPOCHS = 5;

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();
  final List<Process> workers = new ArrayList<>();
  LatheServer server;
  String base;
  String dbUrl;
  TestS3 s3;

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : workers) {
      p.destroyForcibly();
      p.waitFor();
    }
    if (server != null) {
      server.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (dbUrl != null) {
      TestPostgres.dropSchemaQuietly(dbUrl);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void aKilledWorkersJobIsFinishedByAnotherFromItsLastCheckpoint(String database) throws Exception {
    Map<String, Object> settings = new LinkedHashMap<>();
    if (database.equals("postgresql")) {
      dbUrl = TestPostgres.freshSchemaUrl();
      settings.put("db_url", dbUrl);
    }
    String job = serveAndQueue(settings);
    Path config = dir.resolve("lathe.json");
    int total = EXAMPLES * EPOCHS;

    // 1. SIGTERM after the first checkpoint: graceful, the job is queued again at once
    Process first = worker(config);
    await(job, j -> checkpointSteps(job).contains((long) EXAMPLES));
    first.destroy();
    assertThat(first.waitFor()).as("exit status after SIGTERM").isEqualTo(143);
    JsonNode released = get("/fine_tuning/jobs/" + job);
    assertThat(released.get("status").asText()).isEqualTo("queued");

    // 2. SIGKILL after a later checkpoint: the job stays running under the dead worker's lease
    Process second = worker(config);
    await(job, j -> checkpointSteps(job).stream().anyMatch(s -> s > EXAMPLES));
    second.destroyForcibly();
    second.waitFor();
    JsonNode orphaned = get("/fine_tuning/jobs/" + job);
    assertThat(orphaned.get("status").asText())
        .as("the kill must land mid-training; give the job more steps if it finished first")
        .isEqualTo("running");

    // 3. a third worker reaps the expired lease and finishes from the last checkpoint
    worker(config);
    JsonNode done = await(job, j -> j.get("status").asText().matches("succeeded|failed"));
    assertThat(done.get("status").asText()).as("%s", done.get("error")).isEqualTo("succeeded");

    List<String> messages = new ArrayList<>();
    get("/fine_tuning/jobs/" + job + "/events?limit=10000")
        .get("data")
        .forEach(e -> messages.add(e.get("message").asText()));
    assertThat(messages).doesNotHaveDuplicates();
    List<Integer> steps =
        messages.stream()
            .filter(m -> m.startsWith("Step "))
            .map(m -> Integer.parseInt(m.substring(5, m.indexOf('/'))))
            .sorted()
            .toList();
    assertThat(steps).isEqualTo(IntStream.rangeClosed(1, total).boxed().toList());
    assertThat(messages)
        .filteredOn(m -> m.startsWith("Step "))
        .allMatch(m -> m.contains("/" + total + ":"));

    // the last worker trained only what came after the last checkpoint it found
    List<String> resumed =
        Files.readAllLines(dir.resolve("data/jobs").resolve(job).resolve("results-resumed.csv"));
    int firstResumedStep = Integer.parseInt(resumed.get(1).split(",")[0]);
    assertThat(firstResumedStep).isGreaterThan(2 * EXAMPLES).isLessThanOrEqualTo(total);
    assertThat(resumed.getLast()).startsWith(total + ",");

    List<Long> checkpoints = checkpointSteps(job);
    // one per epoch end, the last three epochs' kept (as OpenAI keeps them)
    assertThat(checkpoints)
        .containsExactly((long) total, (long) total - EXAMPLES, (long) total - 2 * EXAMPLES);

    JsonNode results = done.get("result_files");
    assertThat(results).hasSize(1);
    List<String> resultFiles = new ArrayList<>();
    get("/files?limit=10000")
        .get("data")
        .forEach(
            f -> {
              if (f.get("purpose").asText().equals("fine-tune-results")) {
                resultFiles.add(f.get("id").asText());
              }
            });
    // one metrics CSV and one lineage manifest, none left over from the crashed attempt
    assertThat(resultFiles)
        .containsExactlyInAnyOrder(results.get(0).asText(), done.get("lathe_lineage").asText());

    String fineTuned = done.get("fine_tuned_model").asText();
    assertThat(get("/models/" + fineTuned).get("id").asText()).isEqualTo(fineTuned);
    assertThat(answer(fineTuned)).isNotEmpty();

    // the store saw three claims: attempt 1 released by SIGTERM, attempt 2 reaped, attempt 3
    JdbcJobStore store =
        new JdbcJobStore(
            dbUrl != null
                ? JdbcDataSources.postgresql(dbUrl, null, null)
                : JdbcDataSources.sqlite(dir.resolve("data").resolve("lathe.db")),
            dbUrl != null ? JdbcDialect.POSTGRESQL : JdbcDialect.SQLITE,
            InstantSource.system(),
            new RandomIdGenerator());
    assertThat(store.get(job).orElseThrow().attempt()).isEqualTo(3);
  }

  /**
   * Two worker processes that share no directory, only PostgreSQL and an S3 bucket (S3Proxy over
   * HTTP): the first is killed with SIGKILL after its second epoch's checkpoint is in the bucket;
   * the second, on an empty data directory of its own, takes the job over when the lease runs out,
   * downloads the newest stored checkpoint and finishes from there. The server, on a third data
   * directory, never trained anything and serves the {@code ft:} model from the bucket.
   */
  @org.junit.jupiter.api.Test
  void aKilledWorkersJobIsFinishedFromTheObjectStoreByAWorkerSharingNoDirectory() throws Exception {
    s3 = TestS3.start(dir.resolve("s3"));
    dbUrl = TestPostgres.freshSchemaUrl();
    Map<String, Object> storage = new LinkedHashMap<>();
    storage.put("type", "s3");
    storage.put("endpoint", s3.endpoint().toString());
    storage.put("bucket", TestS3.BUCKET);
    storage.put("prefix", "shared/");
    storage.put("path_style", true);
    storage.put("access_key_id", TestS3.ACCESS_KEY);
    storage.put("secret_access_key", TestS3.SECRET_KEY);
    String job =
        serveAndQueue(
            Map.of(
                "data_dir", dir.resolve("server").toString(), "db_url", dbUrl, "storage", storage));
    Path config = dir.resolve("lathe.json");
    int total = EXAMPLES * EPOCHS;
    Path stored = s3.bucketDir().resolve("shared/jobs").resolve(job);

    Process first = worker(config, "--data-dir", dir.resolve("worker-a").toString());
    await(job, j -> checkpointSteps(job).contains(2L * EXAMPLES));
    first.destroyForcibly();
    first.waitFor();
    assertThat(get("/fine_tuning/jobs/" + job).get("status").asText())
        .as("the kill must land mid-training")
        .isEqualTo("running");
    int killedAfter = checkpointSteps(job).stream().mapToInt(Long::intValue).max().orElseThrow();
    assertThat(stored.resolve("checkpoints/checkpoint-step-" + killedAfter + "/state.json"))
        .isRegularFile();

    worker(config, "--data-dir", dir.resolve("worker-b").toString());
    JsonNode done = await(job, j -> j.get("status").asText().matches("succeeded|failed"));
    assertThat(done.get("status").asText()).as("%s", done.get("error")).isEqualTo("succeeded");

    // the second worker started from the stored checkpoint, not from step 1
    assertThat(Files.readString(dir.resolve("worker-2.log")))
        .contains("resuming from the stored checkpoint");
    List<String> resumed =
        Files.readAllLines(
            dir.resolve("worker-b/jobs").resolve(job).resolve("results-resumed.csv"));
    int firstResumedStep = Integer.parseInt(resumed.get(1).split(",")[0]);
    assertThat(firstResumedStep).isGreaterThan(killedAfter).isLessThanOrEqualTo(total);
    assertThat(dir.resolve("worker-b/jobs").resolve(job).resolve("results.csv")).doesNotExist();

    List<Integer> steps = new ArrayList<>();
    get("/fine_tuning/jobs/" + job + "/events?limit=10000")
        .get("data")
        .forEach(
            e -> {
              String m = e.get("message").asText();
              if (m.startsWith("Step ")) {
                steps.add(Integer.parseInt(m.substring(5, m.indexOf('/'))));
              }
            });
    assertThat(steps.stream().sorted().toList())
        .isEqualTo(IntStream.rangeClosed(1, total).boxed().toList());
    // the bucket keeps the last three epochs' checkpoints, as the job's checkpoint list does
    try (var dirs = Files.list(stored.resolve("checkpoints"))) {
      assertThat(dirs.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint")))
          .containsExactlyInAnyOrder(
              "checkpoint-step-" + total,
              "checkpoint-step-" + (total - EXAMPLES),
              "checkpoint-step-" + (total - 2 * EXAMPLES));
    }

    // the server trained nothing and shares no directory; it serves the model from the bucket
    String fineTuned = done.get("fine_tuned_model").asText();
    assertThat(answer(fineTuned)).isNotEmpty();
    assertThat(dir.resolve("server/jobs")).doesNotExist();
    assertThat(dir.resolve("server/cache/jobs").resolve(job)).isDirectory();
    String csv = done.get("result_files").get(0).asText();
    assertThat(s3.bucketDir().resolve("shared/files").resolve(csv)).isRegularFile();
  }

  /**
   * Writes {@code lathe.json} (no in-process workers, TinyStories-656K, data under {@code data},
   * then {@code extra}), starts the server on it and queues the job every test trains: {@link
   * #EXAMPLES} examples, {@link #EPOCHS} epochs of batch 1. Returns the job's id.
   */
  private String serveAndQueue(Map<String, Object> extra) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("data_dir", dir.resolve("data").toString());
    settings.put("port", 0);
    settings.put("workers", 0);
    settings.put("models", Map.of("tinystories-656k", model.toString()));
    settings.putAll(extra);
    Path config = dir.resolve("lathe.json");
    Files.writeString(config, JSON.writeValueAsString(settings));
    server =
        LatheServer.start(
            ServerConfig.read(config, ServerConfig.defaults(null)),
            HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), dir.resolve("hub")));
    base = "http://127.0.0.1:" + server.port() + "/v1";
    String file = upload(trainingFile());
    return post(
            "/fine_tuning/jobs",
            "{\"model\":\"tinystories-656k\",\"training_file\":\""
                + file
                + "\",\"seed\":3,\"hyperparameters\":{\"n_epochs\":"
                + EPOCHS
                + ",\"batch_size\":1}}")
        .get("id")
        .asText();
  }

  /** What {@code model} answers to a short question (4 tokens at most). */
  private String answer(String model) throws Exception {
    return post(
            "/chat/completions",
            "{\"model\":\""
                + model
                + "\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"What does"
                + " the cat say?\"}]}")
        .at("/choices/0/message/content")
        .asText();
  }

  private static String trainingFile() {
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < EXAMPLES; i++) {
      lines
          .append("{\"messages\":[{\"role\":\"user\",\"content\":\"Say number ")
          .append(i)
          .append(".\"},{\"role\":\"assistant\",\"content\":\"Number ")
          .append(i)
          .append(" is here!\"}]}\n");
    }
    return lines.toString();
  }

  /**
   * Starts {@code lathe worker} in its own JVM with this test's class path, a short lease and
   * {@code extra} arguments.
   */
  private Process worker(Path config, String... extra) throws IOException {
    List<String> command =
        LatheRun.inOwnJvm("worker", "--config", config.toString(), "--lease", "6");
    command.addAll(List.of(extra));
    Path log = dir.resolve("worker-" + (workers.size() + 1) + ".log");
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    workers.add(p);
    return p;
  }

  /** Polls the job until {@code done} holds; fails with the workers' logs after the patience. */
  private JsonNode await(String job, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      JsonNode j = get("/fine_tuning/jobs/" + job);
      if (done.test(j)) {
        return j;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder logs = new StringBuilder();
        for (int i = 1; i <= workers.size(); i++) {
          logs.append(Files.readString(dir.resolve("worker-" + i + ".log")));
        }
        throw new AssertionError("job " + job + " is " + j.get("status") + "; workers:\n" + logs);
      }
      Thread.sleep(100);
    }
  }

  private List<Long> checkpointSteps(String job) {
    List<Long> steps = new ArrayList<>();
    try {
      get("/fine_tuning/jobs/" + job + "/checkpoints?limit=100")
          .get("data")
          .forEach(c -> steps.add(c.get("step_number").asLong()));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return steps;
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
  }

  private JsonNode post(String path, String body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  private String upload(String content) throws IOException, InterruptedException {
    String boundary = "lathe-test-boundary";
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"train.jsonl\"\r\n"
            + "Content-Type: application/jsonl\r\n\r\n"
            + content
            + "\r\n--"
            + boundary
            + "--\r\n";
    return send(HttpRequest.newBuilder(URI.create(base + "/files"))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build())
        .get("id")
        .asText();
  }

  private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    assertThat(response.statusCode())
        .as("%s %s: %s", request.method(), request.uri(), body)
        .isEqualTo(200);
    return body;
  }
}
