package dev.lathe.server.telemetry;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One process's operator metrics, in Prometheus' text format ({@link #scrape()}): what the HTTP
 * server, the fine-tuning workers and the completions record as they go, what the stores and the
 * model registry say at scrape time, and the JVM's and the process's own meters.
 *
 * <p>Names follow Prometheus' conventions (base units seconds and bytes, {@code _total} counters,
 * every name prefixed {@code lathe_}); labels are bounded: HTTP routes are templates ({@code
 * /v1/files/{id}}, never an id), models are the loaded entries (bounded by the memory budget) or
 * configured bases. Histograms use fixed buckets ({@link #LATENCY_BUCKETS}), not percentiles, so
 * they aggregate across processes.
 *
 * <p>Time comes from the injected wall clock and monotonic nanoseconds, so nothing here reads the
 * system clock on its own. Every process has its own registry: {@code lathe serve} exposes it at
 * {@code /metrics}, a {@code lathe worker} process on its own port when configured.
 */
public final class ServerMetrics implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ServerMetrics.class.getName());

  /** Histogram buckets of latencies (requests, first tokens, training steps), in seconds. */
  static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofSeconds(60)
  };

  private final PrometheusMeterRegistry registry;
  private final LongSupplier nanoTime;
  private final JvmGcMetrics gc;
  private final List<Runnable> readings = new CopyOnWriteArrayList<>();
  private final List<LongSupplier> held = new CopyOnWriteArrayList<>(); // sources of counters
  private final AtomicLong trainingTokensPerSecond = new AtomicLong(Double.doubleToLongBits(0));
  private final Counter trainingTokens;
  private final Timer trainingStep;

  private ServerMetrics(PrometheusMeterRegistry registry, LongSupplier nanoTime) {
    this.registry = registry;
    this.nanoTime = nanoTime;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    this.gc = new JvmGcMetrics();
    gc.bindTo(registry);
    this.trainingTokens =
        Counter.builder("lathe.training.tokens")
            .description("Tokens processed by training steps (context included)")
            .register(registry);
    this.trainingStep =
        Timer.builder("lathe.training.step")
            .description("Wall time of one optimizer step, from the end of the previous one")
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry);
    Gauge.builder(
            "lathe.training.tokens.per.second",
            trainingTokensPerSecond,
            v -> Double.longBitsToDouble(v.get()))
        .description("Training throughput over the last steps of the most recently stepped job")
        .register(registry);
  }

  /**
   * A registry whose timestamps come from {@code clock} and whose durations from {@code nanoTime}
   * (a monotonic clock in nanoseconds).
   */
  public static ServerMetrics create(InstantSource clock, LongSupplier nanoTime) {
    Clock micrometerClock =
        new Clock() {
          @Override
          public long wallTime() {
            return clock.millis();
          }

          @Override
          public long monotonicTime() {
            return nanoTime.getAsLong();
          }
        };
    return new ServerMetrics(
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, new PrometheusRegistry(), micrometerClock),
        nanoTime);
  }

  /** The monotonic clock durations are measured with, in nanoseconds. */
  public long nanoTime() {
    return nanoTime.getAsLong();
  }

  /** One HTTP request answered: {@code route} is the matched template, never the raw path. */
  public void httpRequest(String method, String route, int status, long nanos) {
    Timer.builder("lathe.http.server.requests")
        .description("HTTP requests by method, route template and status")
        .tags("method", method, "route", route, "status", Integer.toString(status))
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One training step ended after {@code nanos} (since the previous step's end), having processed
   * {@code tokens}; {@code tokensPerSecond} is the job's recent throughput (NaN before it is
   * known).
   */
  public void trainingStep(long tokens, long nanos, double tokensPerSecond) {
    trainingTokens.increment(tokens);
    if (nanos > 0) {
      trainingStep.record(nanos, TimeUnit.NANOSECONDS);
    }
    if (!Double.isNaN(tokensPerSecond)) {
      trainingTokensPerSecond.set(Double.doubleToLongBits(tokensPerSecond));
    }
  }

  /**
   * One completion choice generated on base model {@code base}: {@code promptTokens} read, {@code
   * completionTokens} sampled, the first after {@code firstTokenNanos} (prefill included), the rest
   * in {@code decodeNanos}.
   */
  public void generation(
      String base,
      long promptTokens,
      long completionTokens,
      long firstTokenNanos,
      long decodeNanos) {
    Counter.builder("lathe.prompt.tokens")
        .description("Prompt tokens read by completions")
        .tag("model", base)
        .register(registry)
        .increment(promptTokens);
    Counter.builder("lathe.generated.tokens")
        .description("Completion tokens sampled")
        .tag("model", base)
        .register(registry)
        .increment(completionTokens);
    if (completionTokens == 0) {
      return;
    }
    Timer.builder("lathe.time.to.first.token")
        .description("From the start of a choice's generation to its first sampled token")
        .tag("model", base)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)
        .record(firstTokenNanos, TimeUnit.NANOSECONDS);
    Counter.builder("lathe.decode.tokens")
        .description(
            "Tokens sampled after a choice's first (decode tokens/s = this / decode seconds)")
        .tag("model", base)
        .register(registry)
        .increment(completionTokens - 1);
    Timer.builder("lathe.decode")
        .description("Time spent sampling the tokens after a choice's first")
        .tag("model", base)
        .register(registry)
        .record(decodeNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * Gauges {@code lathe_jobs{status}} (every project's jobs, counted at each scrape by {@code
   * countsByStatus}, one query) and {@code lathe_jobs_queue_depth} (those in {@code queuedStatus}).
   */
  public void readJobs(Supplier<Map<String, Long>> countsByStatus, String queuedStatus) {
    AtomicLong queued =
        gauge("lathe.jobs.queue.depth", "Fine-tuning jobs waiting for a worker", null);
    readRows(
        "jobs",
        MultiGauge.builder("lathe.jobs").description("Fine-tuning jobs of every project by status"),
        "status",
        countsByStatus,
        counts -> queued.set(counts.getOrDefault(queuedStatus, 0L)));
  }

  /** Gauge {@code lathe_file_store_bytes}: the stored files' bytes, read at each scrape. */
  public void readFileBytes(LongSupplier bytes) {
    AtomicLong value =
        gauge("lathe.file.store.bytes", "Bytes of every project's stored files", "bytes");
    readAtScrape("file store", () -> value.set(bytes.getAsLong()));
  }

  /**
   * Gauges {@code lathe_models_loaded} and {@code lathe_model_bytes{model}} from {@code loaded}
   * (each loaded entry's estimated resident bytes), read at each scrape.
   */
  public void readModels(Supplier<Map<String, Long>> loaded) {
    AtomicLong count = gauge("lathe.models.loaded", "Models loaded for serving", null);
    readRows(
        "models",
        MultiGauge.builder("lathe.model.bytes")
            .description("Estimated resident bytes of each loaded model (weights and adapters)")
            .baseUnit("bytes"),
        "model",
        loaded,
        now -> count.set(now.size()));
  }

  /**
   * Counters of batched decoding, read at each scrape: {@code lathe_decode_steps_total} (batched
   * steps run), {@code lathe_decode_step_rows_total} (rows they decoded; rows / steps is the mean
   * batch), {@code lathe_prefix_cache_hits_total} (prompts that reused a cached prefix), {@code
   * lathe_prefix_cache_tokens_total} (prompt tokens not recomputed), and the gauge {@code
   * lathe_prefix_cache_bytes}; each tagged {@code use} (the scheduler's users, e.g. {@code api}).
   */
  public void readBatching(
      String use,
      LongSupplier steps,
      LongSupplier rows,
      LongSupplier prefixHits,
      LongSupplier prefixTokens,
      LongSupplier prefixBytes) {
    counter(use, "lathe.decode.steps", "Batched decode steps run", steps);
    counter(use, "lathe.decode.step.rows", "Rows the batched decode steps decoded", rows);
    counter(use, "lathe.prefix.cache.hits", "Prompts that reused a cached prefix", prefixHits);
    counter(
        use,
        "lathe.prefix.cache.tokens",
        "Prompt tokens reused from the prefix cache",
        prefixTokens);
    Gauge.builder("lathe.prefix.cache.bytes", prefixBytes, s -> (double) s.getAsLong())
        .description("Bytes of prompt keys and values the prefix cache holds")
        .tag("use", use)
        .baseUnit("bytes")
        .strongReference(true)
        .register(registry);
  }

  private void counter(String use, String name, String description, LongSupplier value) {
    held.add(value); // the counter holds its source weakly
    FunctionCounter.builder(name, value, s -> (double) s.getAsLong())
        .description(description)
        .tag("use", use)
        .register(registry);
  }

  /** A gauge showing the returned value. */
  private AtomicLong gauge(String name, String description, String unit) {
    AtomicLong value = new AtomicLong();
    Gauge.builder(name, value, AtomicLong::get)
        .description(description)
        .baseUnit(unit)
        .register(registry);
    return value;
  }

  /**
   * At each scrape: one row of {@code gauge} per entry of {@code values} (labelled {@code label};
   * rows no longer there are removed), and the same values to {@code also}.
   */
  private void readRows(
      String what,
      MultiGauge.Builder gauge,
      String label,
      Supplier<Map<String, Long>> values,
      Consumer<Map<String, Long>> also) {
    MultiGauge rows = gauge.register(registry);
    readAtScrape(
        what,
        () -> {
          Map<String, Long> now = values.get();
          List<MultiGauge.Row<?>> list = new ArrayList<>();
          now.forEach((k, v) -> list.add(MultiGauge.Row.of(Tags.of(label, k), v)));
          rows.register(list, true);
          also.accept(now);
        });
  }

  /** Runs {@code reading} before each scrape; a failing one keeps its last values and is logged. */
  private void readAtScrape(String what, Runnable reading) {
    readings.add(
        () -> {
          try {
            reading.run();
          } catch (RuntimeException e) {
            LOG.log(
                System.Logger.Level.WARNING,
                "metrics: cannot read "
                    + what
                    + " ("
                    + e.getMessage()
                    + "); keeping the last values");
          }
        });
  }

  /**
   * The current values in Prometheus' text exposition format (version 0.0.4). The store readings
   * are bounded by {@link BoundedCall#TIMEOUT}: an unreachable database leaves their gauges at the
   * last values instead of holding the scrape.
   */
  public synchronized String scrape() {
    try {
      BoundedCall.within(
          () -> {
            readings.forEach(Runnable::run);
            return null;
          });
    } catch (TimeoutException | ExecutionException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "metrics: the store readings did not finish within "
              + BoundedCall.TIMEOUT.toSeconds()
              + " s; their gauges keep the last values");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return registry.scrape();
  }

  /** The content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
