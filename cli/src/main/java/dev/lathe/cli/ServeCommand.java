package dev.lathe.cli;

import dev.lathe.inference.HubSettings;
import dev.lathe.server.LatheServer;
import dev.lathe.server.ServerConfig;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LoadOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe serve}: the OpenAI-compatible HTTP API under {@code /v1}.
 *
 * <p>Settings come from the defaults, then the JSON {@code --config} file, then the flags. The
 * defaults make a fresh clone useful: loopback port 8080, data under {@code ./data}, every model in
 * {@code ../shared/models} (when that directory exists) registered under its directory name, and
 * key-less local mode (any or no key is accepted, as the single project {@code local}) since no
 * keys are configured; key-less mode refuses to bind anywhere but loopback.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Serve the OpenAI-compatible API (Files, Models, Chat Completions) under /v1.")
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--port", description = "TCP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--data-dir", description = "Uploaded files and the SQLite database (./data).")
  Path dataDir;

  @Option(
      names = "--config",
      description =
          "JSON config: host, port, data_dir, db_url, upload_limit_bytes, api_keys"
              + " [{key, project, admin}], models {name: source}, aliases {name: model},"
              + " workers, lora_rank (0 = full fine-tuning; default 16), telemetry"
              + " {metrics_key_required, log_format, metrics_port}, storage {type: local|s3,"
              + " endpoint, region, bucket, prefix, path_style, ...}, job_defaults"
              + " {early_stopping_patience}.")
  Path config;

  @Option(
      names = "--log-format",
      description = "text (default) or json: one JSON object per log line.")
  String logFormat;

  @Option(
      names = "--workers",
      description =
          "Fine-tuning jobs trained at once in this process (default 1; 0 leaves queued jobs to"
              + " `lathe worker` processes on the same database and data dir).")
  Integer workers;

  @Option(
      names = "--db-url",
      description = "jdbc:postgresql://host/db instead of SQLite under the data dir.")
  String dbUrl;

  @Option(
      names = "--model",
      paramLabel = "NAME=SOURCE",
      description =
          "Serve a model under NAME (repeatable): a Hugging Face directory, a .bin or .gguf file,"
              + " or a Hub repo id. Added to the config file's models; a flag wins on the same"
              + " name.")
  Map<String, String> models = new LinkedHashMap<>();

  @Option(
      names = "--alias",
      paramLabel = "NAME=MODEL",
      description =
          "Another name for a served model (repeatable), e.g. gpt-4o-mini-2024-07-18=my-model;"
              + " merged with the config file's aliases, the flag winning.")
  Map<String, String> aliases = new LinkedHashMap<>();

  @Option(
      names = "--dtype",
      paramLabel = "T",
      description =
          "Hold served base models' matmul weights as f32, bf16, q8_0 or q4_0 (quantized on load; the"
              + " config's serving.weight_dtype). Default: each checkpoint's own.")
  String dtype;

  @Option(
      names = "--kv-cache-dtype",
      paramLabel = "T",
      description =
          InferenceModelOptions.KV_HELP + " (the config's serving.kv_cache_dtype). Default: f32.")
  String kvCacheDtype;

  @Option(
      names = "--mmap",
      description = InferenceModelOptions.MMAP_HELP + " (the config's serving.mmap: true).")
  boolean mmap;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      ServerConfig settings = ServerConfig.defaults(Path.of("..", "shared", "models"));
      if (config != null) {
        settings = ServerConfig.read(config, settings);
      }
      if (port != null) {
        settings = settings.withPort(port);
      }
      if (dataDir != null) {
        settings = settings.withDataDir(dataDir);
      }
      if (dbUrl != null) {
        settings = settings.withDbUrl(dbUrl);
      }
      if (workers != null) {
        settings = settings.withWorkers(workers);
      }
      settings = withModels(settings, models, aliases);
      if (dtype != null) {
        LoadOptions.named(dtype, "--dtype"); // names the flag, not the config field, when wrong
        settings = settings.withServing(settings.serving().withWeightDtype(dtype));
      }
      if (mmap) {
        settings = settings.withServing(settings.serving().withMmap(true));
      }
      if (kvCacheDtype != null) {
        KvDtype.named(kvCacheDtype, "--kv-cache-dtype"); // names the flag when wrong
        settings = settings.withServing(settings.serving().withKvCacheDtype(kvCacheDtype));
      }
      settings = WorkerCommand.selectLogFormat(settings, logFormat);
      HubSettings hub =
          HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
      LatheServer server = LatheServer.start(settings, hub);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    stopped.countDown();
                  }));
      WorkerCommand.announce(
          err,
          settings,
          "lathe serve: listening on http://"
              + settings.host()
              + ":"
              + server.port()
              + "/v1"
              + (settings.keyless()
                  ? " (key-less local mode: no api_keys configured)"
                  : " (" + settings.apiKeys().size() + " API keys)")
              + "; models: "
              + settings.models().keySet()
              + "; fine-tuning workers: "
              + settings.workers()
              + "; dashboard: http://"
              + settings.host()
              + ":"
              + server.port()
              + "/; metrics: http://"
              + settings.host()
              + ":"
              + server.port()
              + "/metrics");
      stopped.await();
      return 0;
    } catch (Exception e) {
      err.println("lathe serve: " + e.getMessage());
      return 1;
    }
  }

  /**
   * {@code settings} with {@code models} and {@code aliases} merged over its own (a flag wins on
   * the same name); the config's checks (an alias must name a served model) apply to the result.
   */
  static ServerConfig withModels(
      ServerConfig settings, Map<String, String> models, Map<String, String> aliases) {
    if (models.isEmpty() && aliases.isEmpty()) {
      return settings;
    }
    Map<String, String> allModels = new LinkedHashMap<>(settings.models());
    allModels.putAll(models);
    Map<String, String> allAliases = new LinkedHashMap<>(settings.aliases());
    allAliases.keySet().removeAll(models.keySet()); // a --model NAME replaces a config alias NAME
    allAliases.putAll(aliases);
    return new ServerConfig(
        settings.host(),
        settings.port(),
        settings.dataDir(),
        settings.dbUrl(),
        settings.uploadLimitBytes(),
        settings.apiKeys(),
        allModels,
        allAliases,
        settings.workers(),
        settings.loraRank(),
        settings.telemetry(),
        settings.storage(),
        settings.jobDefaults(),
        settings.serving());
  }
}
