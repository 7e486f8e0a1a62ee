package dev.lathe.server;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Everything the server reads once at start, validated here.
 *
 * <p>The config file is JSON (all keys optional):
 *
 * <pre>{@code
 * {"host": "127.0.0.1", "port": 8080, "data_dir": "./data", "db_url": null,
 *  "upload_limit_bytes": 536870912,
 *  "api_keys": [{"key": "sk-...", "project": "proj_a", "admin": false}],
 *  "models": {"stories260k": "../shared/models/llama2c-stories260K/stories260K.bin"},
 *  "aliases": {"gpt-4o-mini-2024-07-18": "stories260k"},
 *  "workers": 1, "lora_rank": 16,
 *  "telemetry": {"metrics_key_required": false, "log_format": "text", "metrics_port": 0},
 *  "storage": {"type": "local"},
 *  "job_defaults": {"early_stopping_patience": 0},
 *  "serving": {"weight_dtype": "q8_0", "max_batch": 8, "prefix_cache_bytes": 268435456,
 *              "mmap": false, "kv_cache_dtype": "f32"}}
 * }</pre>
 *
 * <p>A model source is a Hugging Face model directory, a llama2.c {@code .bin} checkpoint or a Hub
 * repo id {@code org/name[@revision]}. With no API keys configured the server runs in key-less
 * local mode: every request acts as the single project {@link #LOCAL_PROJECT} (admin); that is only
 * allowed on a loopback host.
 *
 * @param host address to bind (loopback by default)
 * @param port TCP port; 0 picks a free one
 * @param dataDir where uploaded files and the SQLite database live
 * @param dbUrl a {@code jdbc:postgresql:} URL, or null for SQLite at {@code dataDir/lathe.db}
 * @param uploadLimitBytes largest accepted upload
 * @param apiKeys the accepted keys; empty means key-less local mode
 * @param models base model name to source, in listing order
 * @param aliases extra names for configured models (e.g. an OpenAI snapshot name)
 * @param workers fine-tuning jobs this process trains at once (in-process workers); 0 leaves the
 *     queue to separate {@code lathe worker} processes
 * @param loraRank adapter rank of every fine-tuning job (alpha = 2·rank); 0 trains every weight
 *     (full fine-tuning). OpenAI's API has no such switch, so it is the server's choice
 * @param telemetry metrics, health and log settings
 * @param storage where files, checkpoints, models and result files are kept ({@link
 *     StorageConfig}): under the data directory (default) or in an S3-compatible bucket
 * @param jobDefaults what a fine-tuning job that does not say otherwise trains with
 * @param serving how served base models are held in memory and how Chat and legacy Completions
 *     share them ({@link Serving})
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    String dbUrl,
    long uploadLimitBytes,
    List<ApiKey> apiKeys,
    Map<String, String> models,
    Map<String, String> aliases,
    int workers,
    int loraRank,
    Telemetry telemetry,
    StorageConfig storage,
    JobDefaults jobDefaults,
    Serving serving) {

  /**
   * Defaults of Lathe's job extension ({@code "lathe": {...}} on a job request), applied by the
   * worker that trains a job which does not give them.
   *
   * @param earlyStoppingPatience with a validation file, stop after this many epochs in a row
   *     without a lower whole-validation loss; 0 (the default) never stops early, so a job trains
   *     the n_epochs it asked for, as OpenAI's do. The run still ends with its best epoch's weights
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record JobDefaults(@JsonProperty("early_stopping_patience") int earlyStoppingPatience) {

    /** Patience 0: never stop early. */
    public static final JobDefaults NONE =
        new JobDefaults(FineTuneOptions.DEFAULT_EARLY_STOPPING_PATIENCE);

    /** Validates. */
    public JobDefaults {
      if (earlyStoppingPatience < 0 || earlyStoppingPatience > 100) {
        throw new IllegalArgumentException(
            "job_defaults.early_stopping_patience is "
                + earlyStoppingPatience
                + "; it must be 0 (never stop early) to 100 epochs");
      }
    }
  }

  /** The project every request belongs to in key-less local mode. */
  public static final String LOCAL_PROJECT = "local";

  /** In-process fine-tuning workers by default. */
  public static final int DEFAULT_WORKERS = 1;

  /** LoRA rank of fine-tuning jobs by default. */
  public static final int DEFAULT_LORA_RANK = FineTuneOptions.DEFAULT_LORA_RANK;

  /** OpenAI's per-file limit. */
  public static final long DEFAULT_UPLOAD_LIMIT = 512L * 1024 * 1024;

  /**
   * One accepted key.
   *
   * @param key the secret (hashed at start; never logged)
   * @param project the project whose objects it sees
   * @param admin whether it sees every project's objects
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record ApiKey(String key, String project, boolean admin) {
    public ApiKey {
      if (key == null || key.length() < 8) {
        throw new IllegalArgumentException("api_keys[].key must have at least 8 characters");
      }
      if (project == null || !project.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new IllegalArgumentException(
            "api_keys[].project must be 1-64 letters, digits, '_' or '-' (got " + project + ")");
      }
    }

    @Override
    public String toString() {
      return "ApiKey[project=" + project + ", admin=" + admin + "]";
    }
  }

  /**
   * How served base models are held in memory (fine-tuning reads its base as stored) and how
   * completions share them: concurrent requests on one base (and its fine-tunes) decode together in
   * steps of up to {@code maxBatch} rows, and the keys and values of recent prompts are kept, up to
   * {@code prefixCacheBytes}, so a repeated prefix (a system prompt) is not recomputed. A field
   * left out of the config file keeps its default ({@link #DEFAULT}).
   *
   * @param weightDtype {@code f32}, {@code bf16}, {@code q8_0} (int8 blocks of 32 with a scale,
   *     quantized on load: about a quarter of f32's memory, faster decode), {@code q4_0} (4-bit
   *     blocks of 32: a seventh of f32's memory, less exact), or null for each checkpoint's own
   * @param maxBatch most sequences one decode step runs (1 decodes one request at a time)
   * @param prefixCacheBytes bytes of prompt keys and values kept for reuse (0 keeps none)
   * @param mmap whether bf16 weights stored as BF16 are read straight from the mapped checkpoint
   *     (no heap copy, near-instant load, pages shared with other processes) rather than copied
   *     onto the heap; off by default, since batched decode steps measured slower from the mapping
   * @param kvCacheDtype how each sequence's attention keys and values are held: {@code f32} (the
   *     default) or {@code bf16} (half the memory per cached position, and half the bytes a decode
   *     step reads from it; rounded to bf16's precision)
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Serving(
      String weightDtype, int maxBatch, long prefixCacheBytes, boolean mmap, String kvCacheDtype) {

    /**
     * Each checkpoint's own dtype, eight rows a step, 256 MiB of cached prompts, weights on the
     * heap, f32 key/value caches.
     */
    public static final Serving DEFAULT = new Serving(null, 8, 256L << 20, false, "f32");

    /** Validates. */
    public Serving {
      loadOptions(weightDtype);
      if (kvCacheDtype == null) {
        kvCacheDtype = "f32";
      }
      KvDtype.named(kvCacheDtype, "serving.kv_cache_dtype");
      if (maxBatch < 1 || maxBatch > 256) {
        throw new IllegalArgumentException(
            "serving.max_batch is " + maxBatch + "; it must be 1 (no batching) to 256");
      }
      if (prefixCacheBytes < 0) {
        throw new IllegalArgumentException(
            "serving.prefix_cache_bytes is "
                + prefixCacheBytes
                + "; it must be 0 (no prefix cache) or more");
      }
    }

    /** The config file's form: a field left out keeps its default. */
    @JsonCreator
    static Serving fromJson(
        @JsonProperty("weight_dtype") String weightDtype,
        @JsonProperty("max_batch") Integer maxBatch,
        @JsonProperty("prefix_cache_bytes") Long prefixCacheBytes,
        @JsonProperty("mmap") Boolean mmap,
        @JsonProperty("kv_cache_dtype") String kvCacheDtype) {
      return new Serving(
          weightDtype,
          maxBatch != null ? maxBatch : DEFAULT.maxBatch(),
          prefixCacheBytes != null ? prefixCacheBytes : DEFAULT.prefixCacheBytes(),
          mmap != null ? mmap : DEFAULT.mmap(),
          kvCacheDtype != null ? kvCacheDtype : DEFAULT.kvCacheDtype());
    }

    /** The same settings holding served bases as {@code dtype} says (null: as stored). */
    public Serving withWeightDtype(String dtype) {
      return new Serving(dtype, maxBatch, prefixCacheBytes, mmap, kvCacheDtype);
    }

    /** The same settings reading bf16 weights from the mapped file or not, as {@code map} says. */
    public Serving withMmap(boolean map) {
      return new Serving(weightDtype, maxBatch, prefixCacheBytes, map, kvCacheDtype);
    }

    /**
     * The same settings holding key/value caches as {@code dtype} ({@code f32} or {@code bf16}).
     */
    public Serving withKvCacheDtype(String dtype) {
      return new Serving(weightDtype, maxBatch, prefixCacheBytes, mmap, dtype);
    }

    /** The load options of a served base model. */
    public LoadOptions loadOptions() {
      return loadOptions(weightDtype)
          .mapped(mmap)
          .withKvDtype(KvDtype.named(kvCacheDtype, "serving.kv_cache_dtype"));
    }

    private static LoadOptions loadOptions(String weightDtype) {
      return weightDtype == null
          ? LoadOptions.DEFAULT
          : LoadOptions.named(weightDtype, "serving.weight_dtype");
    }
  }

  /**
   * What operators watch the process by (see the README's "Metrics and health").
   *
   * @param metricsKeyRequired whether {@code /metrics} takes an admin API key (default: open, like
   *     the health probes, for Prometheus scrapers that carry none)
   * @param logFormat {@code text} (one human-readable line per event) or {@code json} (one JSON
   *     object per line)
   * @param metricsPort {@code lathe worker} only: a port serving that process's {@code /metrics}
   *     and health probes (0: none; {@code lathe serve} serves them on its own port)
   */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record Telemetry(
      @JsonProperty("metrics_key_required") boolean metricsKeyRequired,
      @JsonProperty("log_format") String logFormat,
      @JsonProperty("metrics_port") int metricsPort) {

    /** Open metrics, text logs, no worker metrics port. */
    public static final Telemetry DEFAULTS = new Telemetry(false, "text", 0);

    public Telemetry {
      if (logFormat == null) {
        logFormat = "text";
      }
      if (!logFormat.equals("text") && !logFormat.equals("json")) {
        throw new IllegalArgumentException(
            "telemetry.log_format is '" + logFormat + "'; use \"text\" or \"json\"");
      }
      if (metricsPort < 0 || metricsPort > 65535) {
        throw new IllegalArgumentException(
            "telemetry.metrics_port is " + metricsPort + "; it must be 0-65535 (0: none)");
      }
    }

    /** Whether log lines are JSON objects. */
    public boolean jsonLogs() {
      return logFormat.equals("json");
    }
  }

  /** A config with {@link #DEFAULT_WORKERS} workers and LoRA rank {@link #DEFAULT_LORA_RANK}. */
  public ServerConfig(
      String host,
      int port,
      Path dataDir,
      String dbUrl,
      long uploadLimitBytes,
      List<ApiKey> apiKeys,
      Map<String, String> models,
      Map<String, String> aliases) {
    this(
        host,
        port,
        dataDir,
        dbUrl,
        uploadLimitBytes,
        apiKeys,
        models,
        aliases,
        DEFAULT_WORKERS,
        DEFAULT_LORA_RANK);
  }

  /**
   * A config with the default {@link Telemetry} settings, keeping everything under the data
   * directory ({@link StorageConfig#LOCAL}), with the {@link JobDefaults#NONE} job defaults.
   */
  public ServerConfig(
      String host,
      int port,
      Path dataDir,
      String dbUrl,
      long uploadLimitBytes,
      List<ApiKey> apiKeys,
      Map<String, String> models,
      Map<String, String> aliases,
      int workers,
      int loraRank) {
    this(
        host,
        port,
        dataDir,
        dbUrl,
        uploadLimitBytes,
        apiKeys,
        models,
        aliases,
        workers,
        loraRank,
        Telemetry.DEFAULTS,
        StorageConfig.LOCAL,
        JobDefaults.NONE,
        Serving.DEFAULT);
  }

  /** A config serving base models as their checkpoints store them ({@link Serving#DEFAULT}). */
  public ServerConfig(
      String host,
      int port,
      Path dataDir,
      String dbUrl,
      long uploadLimitBytes,
      List<ApiKey> apiKeys,
      Map<String, String> models,
      Map<String, String> aliases,
      int workers,
      int loraRank,
      Telemetry telemetry,
      StorageConfig storage,
      JobDefaults jobDefaults) {
    this(
        host,
        port,
        dataDir,
        dbUrl,
        uploadLimitBytes,
        apiKeys,
        models,
        aliases,
        workers,
        loraRank,
        telemetry,
        storage,
        jobDefaults,
        Serving.DEFAULT);
  }

  public ServerConfig {
    if (telemetry == null) {
      throw new IllegalArgumentException("telemetry must be set (Telemetry.DEFAULTS)");
    }
    storage = storage == null ? StorageConfig.LOCAL : storage;
    jobDefaults = jobDefaults == null ? JobDefaults.NONE : jobDefaults;
    serving = serving == null ? Serving.DEFAULT : serving;
    if (workers < 0 || workers > 64) {
      throw new IllegalArgumentException("workers is " + workers + "; it must be 0-64");
    }
    if (loraRank < 0 || loraRank > 1024) {
      throw new IllegalArgumentException(
          "lora_rank is " + loraRank + "; use 1-1024 for LoRA or 0 for full fine-tuning");
    }
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port is " + port + "; it must be 0-65535");
    }
    if (dataDir == null) {
      throw new IllegalArgumentException("data_dir must be set");
    }
    if (dbUrl != null && !dbUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "db_url '"
              + dbUrl
              + "' is not supported; use jdbc:postgresql://host/db or leave it out"
              + " for SQLite under the data dir");
    }
    if (uploadLimitBytes < 1) {
      throw new IllegalArgumentException("upload_limit_bytes must be positive");
    }
    apiKeys = List.copyOf(apiKeys);
    models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
    aliases = Map.copyOf(aliases);
    for (var alias : aliases.entrySet()) {
      if (!models.containsKey(alias.getValue())) {
        throw new IllegalArgumentException(
            "alias '"
                + alias.getKey()
                + "' names '"
                + alias.getValue()
                + "', which is not a configured model "
                + models.keySet());
      }
      if (models.containsKey(alias.getKey())) {
        throw new IllegalArgumentException(
            "alias '" + alias.getKey() + "' is also a model name; pick another");
      }
    }
    for (String name : models.keySet()) {
      if (name.isBlank() || name.startsWith("ft:") || name.contains("/")) {
        throw new IllegalArgumentException(
            "model name '" + name + "' must be non-empty, not start with 'ft:' and have no '/'");
      }
    }
    if (apiKeys.isEmpty() && !isLoopback(host)) {
      throw new IllegalArgumentException(
          "no api_keys configured: key-less mode only binds to loopback (127.0.0.1, ::1,"
              + " localhost), not "
              + host
              + "; add api_keys to the config file");
    }
  }

  /** Whether requests need no key (every request is the admin of {@link #LOCAL_PROJECT}). */
  public boolean keyless() {
    return apiKeys.isEmpty();
  }

  private static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
  }

  /**
   * The defaults for a fresh clone: loopback:8080, {@code ./data}, key-less, and every model found
   * in {@code sharedModels} (if that directory exists) registered under its directory name.
   */
  public static ServerConfig defaults(Path sharedModels) {
    return new ServerConfig(
        "127.0.0.1",
        8080,
        Path.of("data"),
        null,
        DEFAULT_UPLOAD_LIMIT,
        List.of(),
        discoverModels(sharedModels),
        Map.of());
  }

  /**
   * Models under {@code directory}: each subdirectory with a {@code config.json} (a Hugging Face
   * model) or a single llama2.c {@code .bin} that is not a tokenizer.
   */
  static Map<String, String> discoverModels(Path directory) {
    Map<String, String> found = new LinkedHashMap<>();
    if (directory == null || !Files.isDirectory(directory)) {
      return found;
    }
    try (Stream<Path> entries = Files.list(directory).sorted()) {
      for (Path dir : entries.toList()) {
        String name = dir.getFileName().toString();
        if (Files.isRegularFile(dir.resolve("config.json"))) {
          found.put(name, dir.toAbsolutePath().toString());
          continue;
        }
        if (!Files.isDirectory(dir)) {
          continue;
        }
        try (Stream<Path> files = Files.list(dir)) {
          List<Path> bins =
              files
                  .filter(p -> p.getFileName().toString().endsWith(".bin"))
                  .filter(p -> !p.getFileName().toString().startsWith("tok"))
                  .toList();
          if (bins.size() == 1) {
            found.put(name, bins.get(0).toAbsolutePath().toString());
          }
        }
      }
    } catch (IOException e) {
      // an unreadable models directory just contributes nothing
    }
    return found;
  }

  /** The file form: every key optional, snake_case, unknown keys rejected. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  record FileForm(
      String host,
      Integer port,
      @JsonProperty("data_dir") String dataDir,
      @JsonProperty("db_url") String dbUrl,
      @JsonProperty("upload_limit_bytes") Long uploadLimitBytes,
      @JsonProperty("api_keys") List<ApiKey> apiKeys,
      Map<String, String> models,
      Map<String, String> aliases,
      Integer workers,
      @JsonProperty("lora_rank") Integer loraRank,
      Telemetry telemetry,
      StorageConfig storage,
      @JsonProperty("job_defaults") JobDefaults jobDefaults,
      Serving serving) {}

  /**
   * Reads a JSON config file; keys it leaves out come from {@code base}. Relative model paths are
   * resolved against the file's directory.
   */
  public static ServerConfig read(Path file, ServerConfig base) throws IOException {
    ObjectMapper mapper =
        new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    FileForm form;
    try {
      form = mapper.readValue(file.toFile(), FileForm.class);
    } catch (IOException e) {
      throw new IOException(file + ": not a valid server config: " + e.getMessage(), e);
    }
    Path dir = file.toAbsolutePath().getParent();
    Map<String, String> models = base.models();
    if (form.models() != null) {
      models = new LinkedHashMap<>();
      for (var e : form.models().entrySet()) {
        String source = e.getValue();
        Path local = dir.resolve(source);
        models.put(e.getKey(), Files.exists(local) ? local.normalize().toString() : source);
      }
    }
    try {
      return new ServerConfig(
          form.host() != null ? form.host() : base.host(),
          form.port() != null ? form.port() : base.port(),
          form.dataDir() != null ? dir.resolve(form.dataDir()) : base.dataDir(),
          form.dbUrl() != null ? form.dbUrl() : base.dbUrl(),
          form.uploadLimitBytes() != null ? form.uploadLimitBytes() : base.uploadLimitBytes(),
          form.apiKeys() != null ? form.apiKeys() : base.apiKeys(),
          models,
          form.aliases() != null ? form.aliases() : base.aliases(),
          form.workers() != null ? form.workers() : base.workers(),
          form.loraRank() != null ? form.loraRank() : base.loraRank(),
          form.telemetry() != null ? form.telemetry() : base.telemetry(),
          form.storage() != null ? form.storage() : base.storage(),
          form.jobDefaults() != null ? form.jobDefaults() : base.jobDefaults(),
          form.serving() != null ? form.serving() : base.serving());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": " + e.getMessage(), e);
    }
  }

  public ServerConfig withPort(int value) {
    return with(d -> d.port = value);
  }

  public ServerConfig withDataDir(Path value) {
    return with(d -> d.dataDir = value);
  }

  public ServerConfig withDbUrl(String value) {
    return with(d -> d.dbUrl = value);
  }

  public ServerConfig withUploadLimit(long value) {
    return with(d -> d.uploadLimitBytes = value);
  }

  /** The same config with {@code value} in-process workers (0: none). */
  public ServerConfig withWorkers(int value) {
    return with(d -> d.workers = value);
  }

  /** The same config with {@code value} as its telemetry settings. */
  public ServerConfig withTelemetry(Telemetry value) {
    return with(d -> d.telemetry = value);
  }

  /** The same config keeping what it stores where {@code value} says. */
  public ServerConfig withStorage(StorageConfig value) {
    return with(d -> d.storage = value);
  }

  /** The same config with job defaults {@code value}. */
  public ServerConfig withJobDefaults(JobDefaults value) {
    return with(d -> d.jobDefaults = value);
  }

  /** The same config with fine-tuning jobs at LoRA rank {@code value} (0: full fine-tuning). */
  public ServerConfig withLoraRank(int value) {
    return with(d -> d.loraRank = value);
  }

  /** The same config with serving settings {@code value}. */
  public ServerConfig withServing(Serving value) {
    return with(d -> d.serving = value);
  }

  private ServerConfig with(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.build();
  }

  /** A mutable copy of a config's components: a wither changes one and builds a new record. */
  private static final class Draft {
    private String host;
    private int port;
    private Path dataDir;
    private String dbUrl;
    private long uploadLimitBytes;
    private List<ApiKey> apiKeys;
    private Map<String, String> models;
    private Map<String, String> aliases;
    private int workers;
    private int loraRank;
    private Telemetry telemetry;
    private StorageConfig storage;
    private JobDefaults jobDefaults;
    private Serving serving;

    Draft(ServerConfig c) {
      host = c.host;
      port = c.port;
      dataDir = c.dataDir;
      dbUrl = c.dbUrl;
      uploadLimitBytes = c.uploadLimitBytes;
      apiKeys = c.apiKeys;
      models = c.models;
      aliases = c.aliases;
      workers = c.workers;
      loraRank = c.loraRank;
      telemetry = c.telemetry;
      storage = c.storage;
      jobDefaults = c.jobDefaults;
      serving = c.serving;
    }

    ServerConfig build() {
      return new ServerConfig(
          host,
          port,
          dataDir,
          dbUrl,
          uploadLimitBytes,
          apiKeys,
          models,
          aliases,
          workers,
          loraRank,
          telemetry,
          storage,
          jobDefaults,
          serving);
    }
  }
}
