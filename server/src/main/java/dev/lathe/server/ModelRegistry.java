package dev.lathe.server;

import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Model names to weights. A name is a configured base, an alias of one, or a fine-tuned model
 * ({@code ft:…}) recorded in the {@code models} table as a base plus an adapter directory.
 *
 * <p>Loaded weights are keyed by base, so every fine-tune of a base shares them. They are kept
 * while the estimated resident size (the weight files' size) fits {@code memoryBudgetBytes};
 * loading another base evicts the least recently used idle ones first. A model in use is never
 * closed: callers hold a {@link Lease} for the whole generation, which also serializes generations
 * on one model.
 */
final class ModelRegistry implements AutoCloseable {

  /**
   * A resolved name.
   *
   * @param id the name as the client should see it (aliases keep their own name)
   * @param base the configured base name whose weights serve it
   * @param adapterDir a PEFT adapter directory for fine-tunes, else null
   */
  record Resolved(String id, String base, Path adapterDir) {}

  private final Map<String, String> sources;
  private final Map<String, String> aliases;
  private final FineTunedModels fineTuned;
  private final HubSettings hub;
  private final long memoryBudgetBytes;
  private final LinkedHashMap<String, Loaded> loaded = new LinkedHashMap<>(16, 0.75f, true);

  private static final class Loaded {
    final ChatModel model;
    final long bytes;
    final ReentrantLock inUse = new ReentrantLock();

    Loaded(ChatModel model, long bytes) {
      this.model = model;
      this.bytes = bytes;
    }
  }

  ModelRegistry(
      Map<String, String> sources,
      Map<String, String> aliases,
      FineTunedModels fineTuned,
      HubSettings hub,
      long memoryBudgetBytes) {
    this.sources = sources;
    this.aliases = aliases;
    this.fineTuned = fineTuned;
    this.hub = hub;
    this.memoryBudgetBytes = memoryBudgetBytes;
  }

  /** Configured base names, in config order. */
  List<String> baseNames() {
    return List.copyOf(sources.keySet());
  }

  /** Aliases, each naming a base. */
  Map<String, String> aliases() {
    return aliases;
  }

  /** What {@code name} refers to for {@code caller}, if anything. */
  Optional<Resolved> resolve(String name, Caller caller) {
    if (sources.containsKey(name)) {
      return Optional.of(new Resolved(name, name, null));
    }
    if (aliases.containsKey(name)) {
      return Optional.of(new Resolved(name, aliases.get(name), null));
    }
    return fineTuned
        .find(name, caller)
        .map(m -> new Resolved(m.id(), m.baseModel(), Path.of(m.adapterDir())));
  }

  /** Exclusive use of a loaded base model for one generation. */
  final class Lease implements AutoCloseable {
    private final Loaded entry;

    private Lease(Loaded entry) {
      this.entry = entry;
    }

    ChatModel model() {
      return entry.model;
    }

    @Override
    public void close() {
      entry.inUse.unlock();
    }
  }

  /** Loads (or reuses) the weights of {@code base} and takes them for one generation. */
  Lease acquire(String base) throws IOException {
    Loaded entry;
    synchronized (this) {
      entry = loaded.get(base);
      if (entry == null) {
        String source = sources.get(base);
        if (source == null) {
          throw new IllegalArgumentException("not a configured base model: " + base);
        }
        long bytes = residentEstimate(source);
        evictFor(bytes);
        entry = new Loaded(ChatModel.open(source, Optional.empty(), hub), bytes);
        loaded.put(base, entry);
      }
    }
    entry.inUse.lock();
    return new Lease(entry);
  }

  /** Closes idle least-recently-used models until {@code incoming} more bytes fit the budget. */
  private void evictFor(long incoming) {
    long used = loaded.values().stream().mapToLong(l -> l.bytes).sum();
    List<String> victims = new ArrayList<>();
    for (var e : loaded.entrySet()) {
      if (used + incoming <= memoryBudgetBytes) {
        break;
      }
      if (!e.getValue().inUse.isLocked()) {
        victims.add(e.getKey());
        used -= e.getValue().bytes;
      }
    }
    for (String name : victims) {
      Loaded gone = loaded.remove(name);
      closeQuietly(gone.model);
    }
  }

  /** Bytes of the weight files: a .bin's size or a directory's *.safetensors total; 0 if remote. */
  static long residentEstimate(String source) {
    Path path = Path.of(source);
    try {
      if (Files.isRegularFile(path)) {
        return Files.size(path);
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

  /** The bases whose weights are loaded now, least recently used first. */
  synchronized List<String> loadedBases() {
    return List.copyOf(loaded.keySet());
  }

  @Override
  public synchronized void close() {
    loaded.values().forEach(l -> closeQuietly(l.model));
    loaded.clear();
  }
}
