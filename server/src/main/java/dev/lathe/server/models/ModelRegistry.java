package dev.lathe.server.models;

import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.StoreCache;
import dev.lathe.tokenizer.TemplateMismatchException;
import dev.lathe.transformer.GgufCheckpoint;
import dev.lathe.transformer.LoadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Model names to weights. A name is a configured base, an alias of one, or a fine-tuned model
 * ({@code ft:…} and its {@code …:ckpt-step-N} checkpoints) recorded in the {@code models} table as
 * a base plus a directory: a PEFT adapter directory (LoRA) or a whole Hugging Face model directory
 * (full fine-tuning).
 *
 * <p>Loaded weights are keyed by base, so every alias and LoRA fine-tune of a base shares them: a
 * fine-tune's adapters are read once and kept beside their base's weights (a view over them), and
 * evicting the base drops them. A full fine-tune is a model of its own (its own entry), borrowing
 * its base's tokenizer only when its directory has none. Entries are kept while the estimated
 * resident size (the weight files' size, plus adapter bytes) fits {@code memoryBudgetBytes};
 * loading more evicts the least recently used idle entries first. A model in use is never closed:
 * callers hold a {@link Lease} for the whole generation; an exclusive one also serializes
 * generations on one base, a shared one lets them decode together.
 */
public final class ModelRegistry implements AutoCloseable {

  /**
   * A resolved name.
   *
   * @param id the name as the client should see it (aliases keep their own name)
   * @param base the configured base name whose weights serve it
   * @param adapterDir the fine-tune's directory (adapter or full model), else null
   */
  public record Resolved(String id, String base, Path adapterDir) {}

  private final Map<String, String> sources;
  private final LoadOptions baseWeights;
  private final Map<String, String> aliases;
  private final FineTunedModels fineTuned;
  private final HubSettings hub;
  private final long memoryBudgetBytes;
  private final StoreCache stored;
  private final LinkedHashMap<String, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * A fine-tune served from a base's entry: an adapted view, or full weights with its tokenizer.
   */
  private record Derived(ChatModel model, long bytes) {}

  /** One loaded model and what is derived from it; {@code users} is guarded by the registry. */
  private static final class Loaded {
    final ChatModel model;
    final long bytes;
    final Map<String, Derived> derived = new HashMap<>();
    final ReentrantLock inUse = new ReentrantLock();
    int users; // leases taken or waiting for inUse
    boolean retired; // removed from the registry: closed by its last lease

    Loaded(ChatModel model, long bytes) {
      this.model = model;
      this.bytes = bytes;
    }

    long totalBytes() {
      return bytes + derived.values().stream().mapToLong(Derived::bytes).sum();
    }
  }

  public ModelRegistry(
      Map<String, String> sources,
      Map<String, String> aliases,
      FineTunedModels fineTuned,
      HubSettings hub,
      long memoryBudgetBytes) {
    this(
        sources,
        aliases,
        fineTuned,
        hub,
        memoryBudgetBytes,
        StoreCache.pathsOnly(),
        LoadOptions.DEFAULT);
  }

  /**
   * A registry whose fine-tunes may be in {@code stored}'s object store (each is downloaded to its
   * cache the first time it is resolved), holding its base models' weights as {@code baseWeights}
   * says (e.g. quantized to Q8_0 on load); fine-tunes with their own weights load as stored.
   */
  public ModelRegistry(
      Map<String, String> sources,
      Map<String, String> aliases,
      FineTunedModels fineTuned,
      HubSettings hub,
      long memoryBudgetBytes,
      StoreCache stored,
      LoadOptions baseWeights) {
    this.baseWeights = baseWeights;
    this.sources = sources;
    this.aliases = aliases;
    this.fineTuned = fineTuned;
    this.hub = hub;
    this.memoryBudgetBytes = memoryBudgetBytes;
    this.stored = stored;
  }

  /** Configured base names, in config order. */
  List<String> baseNames() {
    return List.copyOf(sources.keySet());
  }

  /** Aliases, each naming a base. */
  Map<String, String> aliases() {
    return aliases;
  }

  /**
   * What {@code name} refers to for {@code caller}, if anything; a fine-tune kept in the object
   * store is downloaded first (an unreachable store is an {@link UncheckedIOException} around its
   * {@link dev.lathe.objectstore.StoreUnavailableException}, a 503 to the client).
   */
  public Optional<Resolved> resolve(String name, Caller caller) {
    if (sources.containsKey(name)) {
      return Optional.of(new Resolved(name, name, null));
    }
    if (aliases.containsKey(name)) {
      return Optional.of(new Resolved(name, aliases.get(name), null));
    }
    return fineTuned.find(name, caller).map(m -> new Resolved(m.id(), m.baseModel(), local(m)));
  }

  /** The fine-tune's directory on this machine; a path that does not exist if nothing is stored. */
  private Path local(FineTunedModels.Row m) {
    try {
      return stored.resolve(m.adapterDir());
    } catch (NoSuchFileException e) {
      return Path.of(m.adapterDir().substring(StoreCache.SCHEME.length()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Use of a loaded model (a base, or a fine-tune over it) for one generation: exclusive ({@link
   * #acquire}), or shared with other shared leases ({@link #acquireShared}); either way the model
   * stays loaded until the lease is closed.
   */
  public final class Lease implements AutoCloseable {
    private final Loaded entry;
    private final ChatModel model;
    private final boolean exclusive;

    private Lease(Loaded entry, ChatModel model, boolean exclusive) {
      this.entry = entry;
      this.model = model;
      this.exclusive = exclusive;
    }

    public ChatModel model() {
      return model;
    }

    @Override
    public void close() {
      if (exclusive) {
        entry.inUse.unlock();
      }
      release(entry);
    }
  }

  /** Loads (or reuses) the weights of configured base {@code base} for one generation. */
  public Lease acquire(String base) throws IOException {
    return acquire(new Resolved(base, base, null));
  }

  /**
   * Loads (or reuses) what serves {@code model} and takes it for one generation.
   *
   * @throws ApiException (404, {@code model_not_available}) when a fine-tune cannot be served: its
   *     directory is gone or holds neither an adapter nor a model, its base is not configured, or
   *     its adapter does not fit the base; (409, {@code template_mismatch}) when the chat template,
   *     special tokens or tokenizer that would serve it are no longer those it was trained with
   *     ({@link dev.lathe.tokenizer.TrainedTemplate})
   */
  public Lease acquire(Resolved model) throws IOException {
    return acquire(model, true);
  }

  /**
   * Loads (or reuses) {@code model} as {@link #acquire} does, for a generation that may run beside
   * others on the same weights (each with its own cache, as batched decoding runs them): the lease
   * keeps the model loaded without excluding other shared leases.
   */
  public Lease acquireShared(Resolved model) throws IOException {
    return acquire(model, false);
  }

  private Lease acquire(Resolved model, boolean exclusive) throws IOException {
    Loaded entry;
    ChatModel chat;
    synchronized (this) {
      if (model.adapterDir() == null) {
        entry = base(model.base());
        chat = entry.model;
      } else {
        Loaded own = isFullModel(model) ? fullFineTune(model) : null;
        if (own != null) {
          entry = own;
          chat = own.model;
        } else { // adapters, or full weights without a tokenizer: derived from the base
          entry = base(requireBase(model));
          chat = derived(entry, model);
        }
      }
      entry.users++;
    }
    try {
      if (exclusive) {
        entry.inUse.lock();
      }
    } catch (RuntimeException e) {
      release(entry);
      throw e;
    }
    return new Lease(entry, chat, exclusive);
  }

  private synchronized void release(Loaded entry) {
    entry.users--;
    if (entry.retired && entry.users == 0) {
      closeQuietly(entry.model);
    }
  }

  private Loaded base(String base) throws IOException {
    Loaded entry = loaded.get(base);
    if (entry == null) {
      String source = sources.get(base);
      if (source == null) {
        throw new IllegalArgumentException("not a configured base model: " + base);
      }
      long bytes = residentEstimate(source);
      evictFor(bytes, null);
      ChatModel model;
      try {
        model = ChatModel.open(source, Optional.empty(), hub, baseWeights);
      } catch (IOException | RuntimeException e) {
        throw unloadable(base, source, e);
      }
      entry = new Loaded(model, bytes);
      loaded.put(base, entry);
    }
    return entry;
  }

  /**
   * A configured base model whose source cannot be opened: a server-side fault (500) that names the
   * model, its source and why, so an operator can mend the config or the file; nothing of it is
   * kept, and the next request tries again.
   */
  private static ApiException unloadable(String base, String source, Exception cause) {
    String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    return new ApiException(
        500,
        "server_error",
        "The model `"
            + base
            + "` is configured on this server from "
            + source
            + " but cannot be loaded: "
            + why
            + ". The server's operator must fix that file or the model's entry in the config.",
        "model",
        "model_load_failed");
  }

  private String requireBase(Resolved model) {
    if (!sources.containsKey(model.base())) {
      throw unavailable(
          model, "its base model `" + model.base() + "` is not configured on this server");
    }
    return model.base();
  }

  /**
   * Whether the fine-tune's directory is a whole model (config.json, no adapter_config.json); a
   * missing or unrecognisable directory is an error.
   */
  private static boolean isFullModel(Resolved model) {
    Path dir = model.adapterDir();
    if (!Files.isDirectory(dir)) {
      throw unavailable(model, "its directory " + dir + " no longer exists");
    }
    if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
      return false;
    }
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return true;
    }
    throw unavailable(
        model,
        "its directory "
            + dir
            + " holds neither adapter_config.json (a LoRA adapter) nor config.json (a model)");
  }

  /** The full fine-tune's own entry, or null when its directory has no tokenizer to open it by. */
  private Loaded fullFineTune(Resolved model) throws IOException {
    Loaded entry = loaded.get(model.id());
    if (entry != null) {
      return entry;
    }
    Path dir = model.adapterDir();
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      return null;
    }
    long bytes = residentEstimate(dir.toString());
    evictFor(bytes, null);
    try {
      entry = new Loaded(ChatModel.open(dir.toString(), Optional.empty(), hub), bytes);
    } catch (TemplateMismatchException e) {
      throw templateChanged(model, e);
    } catch (IOException | RuntimeException e) {
      throw unavailable(model, "its model directory cannot be loaded: " + e.getMessage());
    }
    loaded.put(model.id(), entry);
    return entry;
  }

  /** The fine-tune {@code model} over base entry {@code entry}, loaded once. */
  private ChatModel derived(Loaded entry, Resolved model) {
    Derived d = entry.derived.get(model.id());
    if (d == null) {
      Path dir = model.adapterDir();
      try {
        ChatModel.FineTune fineTune = entry.model.withFineTune(dir);
        d =
            new Derived(
                fineTune.model(),
                fineTune.adapterBytes().orElseGet(() -> residentEstimate(dir.toString())));
      } catch (TemplateMismatchException e) {
        throw templateChanged(model, e);
      } catch (IOException | RuntimeException e) {
        throw unavailable(model, "its weights cannot be loaded over its base: " + e.getMessage());
      }
      evictFor(d.bytes(), entry);
      entry.derived.put(model.id(), d);
    }
    return d.model();
  }

  private static ApiException unavailable(Resolved model, String why) {
    return new ApiException(
        404,
        "invalid_request_error",
        "The model `"
            + model.id()
            + "` cannot be served: "
            + why
            + ". Delete the model or restore its files.",
        "model",
        "model_not_available");
  }

  /**
   * 409 {@code template_mismatch}: the fine-tune's base no longer has the chat template, special
   * tokens or tokenizer it was trained with; the message names the model, the part, both hashes and
   * what to do.
   */
  private static ApiException templateChanged(Resolved model, TemplateMismatchException e) {
    return new ApiException(
        409,
        "invalid_request_error",
        e.named(model.id()).getMessage(),
        "model",
        "template_mismatch");
  }

  /**
   * Forgets what was loaded for fine-tune {@code id} (its adapters, or its own weights once no
   * generation uses them), e.g. when it is deleted.
   */
  public synchronized void forget(String id) {
    loaded.values().forEach(e -> e.derived.remove(id));
    Loaded own = loaded.remove(id);
    if (own != null) {
      retire(own);
    }
  }

  /**
   * Closes idle least-recently-used entries until {@code incoming} more bytes fit the budget,
   * sparing {@code keep}.
   */
  private void evictFor(long incoming, Loaded keep) {
    long used = loaded.values().stream().mapToLong(Loaded::totalBytes).sum();
    List<String> victims = new ArrayList<>();
    for (var e : loaded.entrySet()) {
      if (used + incoming <= memoryBudgetBytes) {
        break;
      }
      Loaded l = e.getValue();
      if (l != keep && l.users == 0) {
        victims.add(e.getKey());
        used -= l.totalBytes();
      }
    }
    for (String name : victims) {
      retire(loaded.remove(name));
    }
  }

  private void retire(Loaded entry) {
    entry.retired = true;
    entry.derived.clear();
    if (entry.users == 0) {
      closeQuietly(entry.model);
    }
  }

  /**
   * Bytes of the weights: a .bin's size, a .gguf's tensors as loaded, or a directory's
   * *.safetensors total; 0 if remote.
   */
  public static long residentEstimate(String source) {
    Path path = Path.of(source);
    try {
      if (Files.isRegularFile(path)) {
        // a GGUF file's quantized tensors are dequantized on load: count what is held
        return path.toString().endsWith(".gguf")
            ? GgufCheckpoint.heldBytes(path)
            : Files.size(path);
      }
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.list(path)) {
          long total = 0;
          for (Path f : files.toList()) {
            if (f.getFileName().toString().endsWith(".safetensors")) {
              total += Files.size(f);
            }
          }
          return total;
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  private static void closeQuietly(ChatModel model) {
    try {
      model.close();
    } catch (Exception e) {
      // nothing useful to do with a failed close of an evicted model
    }
  }

  /** The entries loaded now (base names, full fine-tune ids), least recently used first. */
  public synchronized List<String> loadedBases() {
    return List.copyOf(loaded.keySet());
  }

  /**
   * The fine-tunes served over {@code base}'s loaded weights now (adapters, borrowed tokenizer).
   */
  public synchronized List<String> loadedFineTunes(String base) {
    for (var e : loaded.entrySet()) { // not get(): that would count as a use
      if (e.getKey().equals(base)) {
        return List.copyOf(e.getValue().derived.keySet());
      }
    }
    return List.of();
  }

  /**
   * Each loaded entry (base name or full fine-tune id) and its estimated bytes (weights and the
   * adapters loaded over it), without counting as a use.
   */
  public synchronized Map<String, Long> loadedSizes() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    loaded.forEach((name, entry) -> sizes.put(name, entry.totalBytes()));
    return sizes;
  }

  /** Estimated bytes of everything loaded now (weights and adapters). */
  public synchronized long loadedBytes() {
    return loaded.values().stream().mapToLong(Loaded::totalBytes).sum();
  }

  @Override
  public synchronized void close() {
    loaded.values().forEach(this::retire);
    loaded.clear();
  }
}
