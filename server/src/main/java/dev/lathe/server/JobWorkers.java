package dev.lathe.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobHandler;
import dev.lathe.jobqueue.Worker;
import dev.lathe.jobqueue.WorkerConfig;
import dev.lathe.server.chat.ChatCompletionRoutes;
import dev.lathe.server.chat.CompletionRunner;
import dev.lathe.server.chat.StoredCompletionRoutes;
import dev.lathe.server.evals.EvalRunHandler;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.training.FineTuningJobHandler;
import dev.lathe.server.training.ResultFiles;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The workers of one process: {@code count} {@link Worker}s, each running one job at a time, a
 * fine-tuning job with a {@link FineTuningJobHandler} or an eval run with an {@link
 * EvalRunHandler}, on the stores and data directory of one {@link Services}.
 *
 * <p>{@link LatheServer} starts them in-process; {@link #start(Services, Duration)} runs only
 * workers (no HTTP, for {@code lathe worker}) against the same database and store (the data
 * directory, or an S3 bucket: see {@link StorageConfig}), so jobs can be trained by other processes
 * or machines sharing them. Closing is graceful: claiming stops, each running job finishes its
 * step, checkpoints and gives its lease back, so another worker resumes it.
 */
public final class JobWorkers implements AutoCloseable {

  /** Heartbeat period: how soon a cancel or pause reaches a running job. */
  static final Duration HEARTBEAT = Duration.ofSeconds(1);

  /** Lease: how soon a dead worker's job goes back to the queue. */
  static final Duration LEASE = Duration.ofSeconds(30);

  private final List<Worker> workers;
  private final AutoCloseable resources;

  private JobWorkers(List<Worker> workers, AutoCloseable resources) {
    this.workers = workers;
    this.resources = resources;
  }

  /**
   * Starts {@code config.workers()} workers (at least one) on the database and data directory of
   * {@code config}, without an HTTP server, with the system clock and secure randomness. The
   * workers own the {@link Services} they open: closing them closes those too.
   */
  public static JobWorkers start(ServerConfig config, HubSettings hub) throws IOException {
    return start(config, hub, LEASE);
  }

  /**
   * Like {@link #start(ServerConfig, HubSettings)} with leases of {@code lease} instead of {@link
   * #LEASE}.
   */
  public static JobWorkers start(ServerConfig config, HubSettings hub, Duration lease)
      throws IOException {
    Services services = Services.open(config, hub);
    try {
      JobWorkers started = start(services, lease);
      return new JobWorkers(
          started.workers,
          () -> {
            started.resources.close();
            services.close();
          });
    } catch (RuntimeException e) {
      services.close();
      throw e;
    }
  }

  /**
   * Starts {@code services.config().workers()} workers (at least one) on {@code services}, without
   * an HTTP server, with leases of {@code lease}: how soon a killed worker's job is taken over by
   * another (heartbeats stay every {@link #HEARTBEAT}, so the lease must be at least three of
   * them). The caller keeps owning {@code services} and closes them after these workers.
   */
  public static JobWorkers start(Services services, Duration lease) {
    ModelRegistry models = services.openModels(LatheServer.MODEL_MEMORY_BUDGET);
    JobWorkers started = start(services, Math.max(1, services.config().workers()), lease, models);
    return new JobWorkers(started.workers, models);
  }

  /**
   * {@code count} workers (0 for none) on {@code services}, which the caller keeps owning, serving
   * fine-tuning jobs and eval runs (whose models come from {@code models}, the caller's too).
   */
  static JobWorkers start(Services services, int count, Duration lease, ModelRegistry models) {
    ServerConfig config = services.config();
    FineTuningJobHandler handler =
        new FineTuningJobHandler(
            services.files(),
            services.contents(),
            services.fineTuned(),
            services.progress(),
            new ResultFiles(
                services.jobs(),
                services.files(),
                services.contents(),
                services.json(),
                services.clock(),
                services.ids()),
            services.bases(),
            services.stored().store(),
            services.jobsDir(),
            config.loraRank(),
            config.jobDefaults().earlyStoppingPatience(),
            services.json(),
            services.clock(),
            services.ids(),
            services.metrics());
    ObjectMapper json = services.json();
    ChatCompletionRoutes chat =
        new ChatCompletionRoutes(
            new CompletionRunner(
                models, json, services.metrics(), services.newScheduler("workers")),
            json,
            services.clock(),
            services.ids(),
            new StoredCompletionRoutes(services.completions(), json, services.clock()));
    Map<String, JobHandler> handlers =
        Map.of(
            Job.FINE_TUNE,
            handler,
            EvalRunHandler.KIND,
            new EvalRunHandler(services.evals(), chat, json, services.clock()));
    String processId = processId();
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      WorkerConfig wc =
          new WorkerConfig(processId + "-w" + i, 1, Duration.ofSeconds(1), lease, HEARTBEAT, LEASE);
      workers.add(new Worker(services.jobs(), handlers, wc, services.clock()).start());
    }
    return new JobWorkers(workers, () -> {});
  }

  /** How many workers run. */
  public int count() {
    return workers.size();
  }

  /** Tells idle workers to look for queued jobs now. */
  public void wakeUp() {
    workers.forEach(Worker::wakeUp);
  }

  /** Stops every worker gracefully (see the class comment), then releases what it opened. */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (Worker w : workers) {
      stopping.add(Thread.ofPlatform().start(() -> closeQuietly(w)));
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    closeQuietly(resources);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.getLogger(JobWorkers.class.getName())
          .log(System.Logger.Level.WARNING, "closing a fine-tuning worker failed", e);
    }
  }

  /** This process's worker id prefix: host name and process id. */
  static String processId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return host + "-" + ProcessHandle.current().pid();
  }
}
