package dev.lathe.cli;

import dev.lathe.inference.HubSettings;
import dev.lathe.server.JobWorkers;
import dev.lathe.server.ServerConfig;
import dev.lathe.server.Services;
import dev.lathe.server.TelemetryServer;
import dev.lathe.server.telemetry.JsonLogProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe worker}: trains queued fine-tuning jobs, without serving HTTP, against the database
 * and data directory of a {@code lathe serve} (which can then run with {@code "workers": 0}).
 *
 * <p>Workers claim jobs with a lease and renew it with heartbeats; a worker that dies (kill -9, a
 * lost machine) stops renewing, and once its lease runs out another worker takes the job over from
 * its last checkpoint. SIGTERM (or Ctrl-C) stops gracefully: claiming stops, each running job
 * finishes its step, writes a checkpoint and goes back to the queue at once.
 *
 * <p>Several machines: every worker and the server must see the same database (PostgreSQL through
 * {@code --db-url}; SQLite only works for processes on one machine) and the same store of uploaded
 * files, checkpoints and trained models: an S3 bucket (the config file's {@code storage}; each
 * process then has its own data directory, for its cache and scratch) or, with the default local
 * storage, the data directory on a shared filesystem (NFS or the like) at the same path everywhere.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Train queued fine-tuning jobs (no HTTP) against the database and data directory of a"
          + " lathe serve.",
      "Workers on other machines need --db-url (PostgreSQL) and either an S3 bucket (\"storage\""
          + " in the config file) or the data directory on a shared filesystem. SIGTERM stops gracefully: running jobs checkpoint and go back to the"
          + " queue."
    })
public final class WorkerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--workers",
      defaultValue = "1",
      description = "Jobs this process trains at once (default ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--data-dir",
      description = "The server's data directory: files, checkpoints, models (./data).")
  Path dataDir;

  @Option(
      names = "--db-url",
      description = "jdbc:postgresql://host/db; without it, SQLite in the data directory.")
  String dbUrl;

  @Option(
      names = "--lease",
      defaultValue = "30",
      description =
          "Seconds a job stays claimed without a heartbeat (heartbeats every second; at least 3):"
              + " how soon a killed worker's job is taken over (default ${DEFAULT-VALUE}).")
  int leaseSeconds;

  @Option(
      names = "--config",
      description =
          "The server's JSON config (models, aliases, data_dir, db_url, lora_rank, telemetry,"
              + " storage and job_defaults are used).")
  Path config;

  @Option(
      names = "--log-format",
      description = "text (default) or json: one JSON object per log line.")
  String logFormat;

  @Option(
      names = "--metrics-port",
      description =
          "Serve this process's /metrics, /health/live and /health/ready on this port (0 picks a"
              + " free one; default: telemetry.metrics_port, else none).")
  Integer metricsPort;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (workers < 1 || workers > 64) {
      err.println("lathe worker: --workers is " + workers + "; it must be 1-64");
      return 2;
    }
    if (leaseSeconds < 3) {
      err.println(
          "lathe worker: --lease is "
              + leaseSeconds
              + " s; it must be at least 3 (three heartbeats of one second)");
      return 2;
    }
    try {
      ServerConfig settings = ServerConfig.defaults(Path.of("..", "shared", "models"));
      if (config != null) {
        settings = ServerConfig.read(config, settings);
      }
      if (dataDir != null) {
        settings = settings.withDataDir(dataDir);
      }
      if (dbUrl != null) {
        settings = settings.withDbUrl(dbUrl);
      }
      settings = settings.withWorkers(workers);
      if (metricsPort != null) {
        ServerConfig.Telemetry t = settings.telemetry();
        settings =
            settings.withTelemetry(
                new ServerConfig.Telemetry(t.metricsKeyRequired(), t.logFormat(), metricsPort));
      }
      settings = selectLogFormat(settings, logFormat);
      HubSettings hub =
          HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
      Services services = Services.open(settings, hub);
      JobWorkers running;
      TelemetryServer telemetry = null;
      try {
        if (metricsPort != null || settings.telemetry().metricsPort() > 0) {
          telemetry = TelemetryServer.start(services, settings.telemetry().metricsPort());
        }
        running = JobWorkers.start(services, Duration.ofSeconds(leaseSeconds));
      } catch (RuntimeException e) {
        if (telemetry != null) {
          telemetry.close();
        }
        services.close();
        throw e;
      }
      TelemetryServer metrics = telemetry;
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    running.close();
                    if (metrics != null) {
                      metrics.close();
                    }
                    services.close();
                    stopped.countDown();
                  }));
      announce(
          err,
          settings,
          "lathe worker: "
              + running.count()
              + (running.count() == 1 ? " worker" : " workers")
              + " on "
              + (settings.dbUrl() != null
                  ? settings.dbUrl().replaceAll("password=[^&]*", "password=***")
                  : settings.dataDir().resolve("lathe.db").toAbsolutePath())
              + ", data directory "
              + settings.dataDir().toAbsolutePath()
              + "; models: "
              + settings.models().keySet()
              + (metrics == null
                  ? ""
                  : "; metrics: http://" + settings.host() + ":" + metrics.port() + "/metrics"));
      stopped.await();
      return 0;
    } catch (Exception e) {
      err.println("lathe worker: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Prints the process's start line, or logs it when logs are JSON (so every line of standard error
   * is one JSON object).
   */
  static void announce(PrintWriter err, ServerConfig settings, String line) {
    if (settings.telemetry().jsonLogs()) {
      System.getLogger("dev.lathe.cli").log(System.Logger.Level.INFO, line);
    } else {
      err.println(line);
      err.flush();
    }
  }

  /**
   * {@code settings} with {@code flag} (when given) as its log format; selects the JSON format's
   * provider when that is the format. Runs before anything in the process logs.
   */
  static ServerConfig selectLogFormat(ServerConfig settings, String flag) {
    ServerConfig.Telemetry t = settings.telemetry();
    if (flag != null) {
      settings =
          settings.withTelemetry(
              new ServerConfig.Telemetry(t.metricsKeyRequired(), flag, t.metricsPort()));
    }
    if (settings.telemetry().jsonLogs()) {
      JsonLogProvider.select();
    }
    return settings;
  }
}
