package dev.lathe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.jobqueue.JdbcDialect;
import dev.lathe.jobqueue.JdbcJobStore;
import dev.lathe.jobqueue.NewCheckpoint;
import dev.lathe.jobqueue.NewEvent;
import dev.lathe.jobqueue.RandomIdGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Open-loop HTTP load on a running {@code lathe serve}: requests leave at a fixed arrival rate
 * whatever the server does, and each latency is measured from the request's <em>scheduled</em> send
 * time to its response, so time spent queueing behind a slow request counts (no coordinated
 * omission).
 *
 * <p>Setup, through the API: upload a fine-tune file whose one example has no assistant turn and
 * create a job on it, which fails validation at once (so no worker trains it during the run); then,
 * directly in the server's job store, add {@code --events} progress events and five checkpoints.
 * The load alternates {@code GET /v1/fine_tuning/jobs/{id}} and {@code GET
 * /v1/fine_tuning/jobs/{id}/events}: a warm-up period, then a measured period, sent with {@link
 * KeepAliveClient} (keep-alive connections, virtual threads) so that the generator takes little of
 * the CPU it shares with the server. Last, time to first token: {@code --ttft-requests} streamed
 * chat completions one after the other, each timed from sending to the first chunk that carries
 * content.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.ApiLoad --base-url http://127.0.0.1:P/v1
 *   --key K (--data-dir D | --db-url jdbc:postgresql://...) [--rate 1000] [--warmup 10]
 *   [--duration 30] [--events 100] [--model stories260k] [--ttft-requests 30] [--server-pid P]
 * </pre>
 *
 * <p>With {@code --server-pid} (Linux) it also prints the server process's CPU time over the
 * measured period per 1,000 requests, next to the generator's own: both share the machine, so the
 * server's CPU per request is the figure that does not depend on what else runs.
 */
public final class ApiLoad {
  private ApiLoad() {}

  /** Parsed command line. */
  record Options(
      String baseUrl,
      String key,
      Path dataDir,
      String dbUrl,
      int rate,
      int warmupSeconds,
      int durationSeconds,
      int events,
      String model,
      int ttftRequests,
      long serverPid) {
    Options {
      if (baseUrl == null || key == null || (dataDir == null) == (dbUrl == null)) {
        throw new IllegalArgumentException(
            "--base-url, --key and one of --data-dir (SQLite) or --db-url are required");
      }
      if (rate < 1 || warmupSeconds < 0 || durationSeconds < 1 || events < 0 || ttftRequests < 0) {
        throw new IllegalArgumentException(
            "--rate and --duration must be >= 1; --warmup, --events, --ttft-requests >= 0");
      }
    }

    static Options parse(String[] args) {
      String baseUrl = null;
      String key = null;
      Path dataDir = null;
      String dbUrl = null;
      int rate = 1000;
      int warmup = 10;
      int duration = 30;
      int events = 100;
      String model = "stories260k";
      int ttft = 30;
      long serverPid = -1;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        String v = args[i + 1];
        switch (args[i]) {
          case "--base-url" -> baseUrl = v;
          case "--key" -> key = v;
          case "--data-dir" -> dataDir = Path.of(v);
          case "--db-url" -> dbUrl = v;
          case "--rate" -> rate = Integer.parseInt(v);
          case "--warmup" -> warmup = Integer.parseInt(v);
          case "--duration" -> duration = Integer.parseInt(v);
          case "--events" -> events = Integer.parseInt(v);
          case "--model" -> model = v;
          case "--ttft-requests" -> ttft = Integer.parseInt(v);
          case "--server-pid" -> serverPid = Long.parseLong(v);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      return new Options(
          baseUrl, key, dataDir, dbUrl, rate, warmup, duration, events, model, ttft, serverPid);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    String jobId = setUp(o, http);
    List<URI> targets =
        List.of(
            URI.create(o.baseUrl() + "/fine_tuning/jobs/" + jobId),
            URI.create(o.baseUrl() + "/fine_tuning/jobs/" + jobId + "/events"));
    System.out.printf(
        Locale.ROOT,
        "job %s with %d events; open loop at %d requests/s: %d s warm-up, %d s measured%n",
        jobId,
        o.events() + 3,
        o.rate(),
        o.warmupSeconds(),
        o.durationSeconds());
    load(o, targets);
    if (o.ttftRequests() > 0) {
      timeToFirstToken(o, http);
    }
  }

  /** Creates the job the load reads and fills in its events and checkpoints; returns its id. */
  static String setUp(Options o, HttpClient http) throws IOException, InterruptedException {
    String example = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n";
    JsonNode file = send(http, uploadRequest(o, "load.jsonl", example));
    JsonNode job =
        send(
            http,
            request(o, "/fine_tuning/jobs")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\""
                            + o.model()
                            + "\",\"training_file\":\""
                            + file.get("id").asText()
                            + "\"}"))
                .build());
    String jobId = job.get("id").asText();
    JdbcJobStore store =
        o.dbUrl() != null
            ? new JdbcJobStore(
                JdbcDataSources.postgresql(o.dbUrl(), null, null),
                JdbcDialect.POSTGRESQL,
                InstantSource.system(),
                new RandomIdGenerator())
            : new JdbcJobStore(
                JdbcDataSources.sqlite(o.dataDir().resolve("lathe.db")),
                JdbcDialect.SQLITE,
                InstantSource.system(),
                new RandomIdGenerator());
    for (int i = 1; i <= o.events(); i++) {
      store.appendEvent(
          jobId,
          new NewEvent(
              "step-" + i,
              dev.lathe.jobqueue.EventLevel.INFO,
              "Step " + i + "/" + o.events() + ": training loss=" + (2.0 / i),
              "metrics",
              "{\"step\":" + i + ",\"train_loss\":" + (2.0 / i) + "}"));
      if (i % Math.max(1, o.events() / 5) == 0) {
        store.addCheckpoint(
            jobId, new NewCheckpoint(i, "{\"step\":" + i + "}", "checkpoints/step-" + i));
      }
    }
    return jobId;
  }

  /**
   * Sends {@code rate} requests a second on a fixed schedule, alternating the targets, and prints
   * achieved rate and latency percentiles of the measured period.
   */
  static void load(Options o, List<URI> targets) throws InterruptedException {
    int warmup = o.warmupSeconds() * o.rate();
    int total = warmup + o.durationSeconds() * o.rate();
    long period = TimeUnit.SECONDS.toNanos(1) / o.rate();
    long[] latency = new long[total];
    AtomicLong errors = new AtomicLong();
    AtomicLong late = new AtomicLong();
    CountDownLatch pending = new CountDownLatch(total);
    KeepAliveClient client = new KeepAliveClient(targets.getFirst());
    List<byte[]> requests = targets.stream().map(u -> client.get(u.getPath(), o.key())).toList();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long measuredFrom = start + warmup * period;
    CpuClock serverCpu = new CpuClock(o.serverPid());
    CpuClock ownCpu = new CpuClock(ProcessHandle.current().pid());
    for (int i = 0; i < total; i++) {
      long scheduled = start + i * period;
      long wait;
      while ((wait = scheduled - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (i == warmup) {
        serverCpu.mark();
        ownCpu.mark();
      }
      if (i >= warmup && System.nanoTime() - scheduled > TimeUnit.MILLISECONDS.toNanos(1)) {
        late.incrementAndGet(); // the generator itself fell behind; still timed from `scheduled`
      }
      int index = i;
      client.send(
          requests.get(i % requests.size()),
          status -> {
            latency[index] = System.nanoTime() - scheduled;
            if (index >= warmup && status != 200) {
              errors.incrementAndGet();
            }
            pending.countDown();
          });
    }
    long sendEnd = System.nanoTime(); // later than planned when the generator fell behind
    if (!pending.await(60, TimeUnit.SECONDS)) {
      System.out.println(pending.getCount() + " requests did not finish within 60 s");
    }
    client.close();
    if (warmup == total) {
      serverCpu.mark();
      ownCpu.mark();
    }
    double serverSeconds = serverCpu.secondsSinceMark();
    double ownSeconds = ownCpu.secondsSinceMark();
    long[] measured = Arrays.copyOfRange(latency, warmup, total);
    Arrays.sort(measured);
    double seconds = (sendEnd - measuredFrom) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "measured %d requests sent over %.1f s: %.0f requests/s achieved, %d errors (timeouts"
            + " count at their 30 s), %d sent >1 ms late%n",
        measured.length,
        seconds,
        measured.length / seconds,
        errors.get(),
        late.get());
    System.out.printf(
        Locale.ROOT,
        "latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
        percentile(measured, 50),
        percentile(measured, 90),
        percentile(measured, 99),
        percentile(measured, 99.9),
        measured[measured.length - 1] / 1e6);
    if (o.serverPid() > 0) {
      System.out.printf(
          Locale.ROOT,
          "CPU over the measured period: server %.1f s (%.2f s per 1,000 requests), load"
              + " generator %.1f s (%.2f s per 1,000)%n",
          serverSeconds,
          serverSeconds * 1000 / measured.length,
          ownSeconds,
          ownSeconds * 1000 / measured.length);
    }
  }

  /** Streamed chat completions one at a time; prints the median time to the first content. */
  static void timeToFirstToken(Options o, HttpClient http)
      throws IOException, InterruptedException {
    String body =
        "{\"model\":\""
            + o.model()
            + "\",\"stream\":true,\"max_tokens\":32,\"temperature\":0,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a cat.\"}]}";
    HttpRequest request =
        request(o, "/chat/completions")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    int warm = Math.min(5, o.ttftRequests());
    long[] times = new long[o.ttftRequests()];
    for (int i = -warm; i < o.ttftRequests(); i++) {
      long sent = System.nanoTime();
      HttpResponse<Stream<String>> response =
          http.send(request, HttpResponse.BodyHandlers.ofLines());
      if (response.statusCode() != 200) {
        throw new IOException("chat completion answered " + response.statusCode());
      }
      long first = -1;
      try (Stream<String> lines = response.body()) {
        for (String line : (Iterable<String>) lines::iterator) {
          if (first < 0 && line.startsWith("data: {") && hasContent(line.substring(6))) {
            first = System.nanoTime() - sent;
          }
        }
      }
      if (first < 0) {
        throw new IOException("the stream carried no content chunk");
      }
      if (i >= 0) {
        times[i] = first;
      }
    }
    Arrays.sort(times);
    System.out.printf(
        Locale.ROOT,
        "time to first token (%s, streamed, %d requests after %d warm-up): median %.2f ms,"
            + " min %.2f, max %.2f%n",
        o.model(),
        times.length,
        warm,
        percentile(times, 50),
        times[0] / 1e6,
        times[times.length - 1] / 1e6);
  }

  private static boolean hasContent(String chunk) throws IOException {
    JsonNode choices = JSON.readTree(chunk).path("choices");
    for (JsonNode c : choices) {
      if (!c.path("delta").path("content").asText("").isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The {@code p}-th percentile of sorted nanoseconds, in milliseconds (nearest rank). */
  static double percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
  }

  private static HttpRequest.Builder request(Options o, String path) {
    return HttpRequest.newBuilder(URI.create(o.baseUrl() + path))
        .header("Authorization", "Bearer " + o.key())
        .timeout(Duration.ofSeconds(60));
  }

  private static HttpRequest uploadRequest(Options o, String name, String content) {
    String boundary = "lathe-load-" + System.nanoTime();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + name
            + "\"\r\nContent-Type: application/jsonl\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return request(o, "/files")
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray()))
        .build();
  }

  private static JsonNode send(HttpClient http, HttpRequest request)
      throws IOException, InterruptedException {
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = response.body()) {
      JsonNode body = JSON.readTree(in);
      if (response.statusCode() != 200) {
        throw new IOException(request.method() + " " + request.uri() + " answered " + body);
      }
      return body;
    }
  }
}
