package dev.lathe.cli;

import dev.lathe.inference.HubSettings;
import dev.lathe.server.JobWorkers;
import dev.lathe.server.ServerConfig;
import dev.lathe.server.Services;
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
          "The server's JSON config (models, aliases, data_dir, db_url, lora_rank are used).")
  Path config;

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
      HubSettings hub =
          HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
      Services services = Services.open(settings, hub);
      JobWorkers running;
      try {
        running = JobWorkers.start(services, Duration.ofSeconds(leaseSeconds));
      } catch (RuntimeException e) {
        services.close();
        throw e;
      }
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    running.close();
                    services.close();
                    stopped.countDown();
                  }));
      err.println(
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
              + settings.models().keySet());
      err.flush();
      stopped.await();
      return 0;
    } catch (Exception e) {
      err.println("lathe worker: " + e.getMessage());
      return 1;
    }
  }
}
