package dev.lathe.server.store;

import dev.lathe.objectstore.LocalObjectStore;
import dev.lathe.objectstore.ObjectStore;
import dev.lathe.objectstore.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * This process's way to the stored bytes as local files. With the local store they are the store's
 * own files. With a remote store (S3) an object, or a whole model directory, is downloaded (checked
 * against its recorded SHA-256) into a cache under the data directory the first time it is asked
 * for and kept while the cache holds at most {@code maxBytes}: adding more evicts the least
 * recently used entries (the one just added stays, even when it alone is larger). The cache starts
 * empty with each process.
 *
 * <p>A model directory in a remote store is recorded (in the {@code models} table) as a location
 * {@code store:<key prefix>} ({@link #location}); a plain path is a directory on this machine, as
 * every location was before object stores. Downloads are serialized: one at a time per process.
 */
public final class StoreCache {
  /** How a recorded location names a directory in the object store. */
  public static final String SCHEME = "store:";

  private final ObjectStore store;
  private final Path dir;
  private final long maxBytes;
  private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * @param store the object store, or null for none (only plain paths are resolved)
   * @param dir where downloads are kept (emptied now); unused with a local store
   * @param maxBytes the bound on what is kept
   */
  public StoreCache(ObjectStore store, Path dir, long maxBytes) throws IOException {
    this.store = store;
    this.dir = dir;
    this.maxBytes = maxBytes;
    if (store != null && !store.local()) {
      deleteTree(dir);
      Files.createDirectories(dir);
    }
  }

  /** A cache with no store behind it: plain paths only. */
  public static StoreCache pathsOnly() {
    try {
      return new StoreCache(null, null, 0);
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The object store (null for {@link #pathsOnly()}). */
  public ObjectStore store() {
    return store;
  }

  /** The location to record for the stored directory at {@code keyPrefix} (no trailing slash). */
  public static String location(String keyPrefix) {
    return SCHEME + keyPrefix;
  }

  /** The local directory a recorded location names, downloaded first if it is in the store. */
  public Path resolve(String recorded) throws IOException {
    if (!recorded.startsWith(SCHEME)) {
      return Path.of(recorded);
    }
    if (store == null) {
      throw new IllegalStateException("no object store to resolve " + recorded);
    }
    return directory(recorded.substring(SCHEME.length()));
  }

  /** The local file of the object {@code key}. */
  public synchronized Path file(String key) throws IOException {
    if (store instanceof LocalObjectStore local) {
      return local.path(key);
    }
    Path target = dir.resolve(key);
    if (entries.get(key) != null && Files.isRegularFile(target)) {
      return target;
    }
    StoredObject got = store.get(key, target);
    admit(key, got.size());
    return target;
  }

  /** The local copy of every object under {@code keyPrefix + "/"}, as a directory. */
  public synchronized Path directory(String keyPrefix) throws IOException {
    if (store instanceof LocalObjectStore local) {
      return local.path(keyPrefix);
    }
    Path target = dir.resolve(keyPrefix);
    if (entries.get(keyPrefix + "/") != null && Files.isDirectory(target)) {
      return target;
    }
    List<StoredObject> objects = store.list(keyPrefix + "/");
    if (objects.isEmpty()) {
      throw new NoSuchFileException(
          keyPrefix, null, "nothing is stored under `" + keyPrefix + "/` in " + store.describe());
    }
    long total = 0;
    for (StoredObject o : objects) {
      total += store.get(o.key(), dir.resolve(o.key())).size();
    }
    admit(keyPrefix + "/", total);
    return target;
  }

  /**
   * Takes {@code file} (just written to the store as {@code key}) into the cache instead of
   * downloading it again later; with a local store the file is deleted.
   */
  public synchronized void adopt(String key, Path file, long size) throws IOException {
    if (store == null || store.local()) {
      Files.deleteIfExists(file);
      return;
    }
    Path target = dir.resolve(key);
    Files.createDirectories(target.getParent());
    Files.move(file, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    admit(key, size);
  }

  /** Drops the local copy of {@code key} (a file, or a directory key ending in {@code /}). */
  public synchronized void forget(String key) throws IOException {
    if (store == null || store.local()) {
      return;
    }
    entries.remove(key);
    deleteTree(dir.resolve(key));
  }

  /** Bytes kept now. */
  public synchronized long bytes() {
    return entries.values().stream().mapToLong(Long::longValue).sum();
  }

  private void admit(String key, long size) throws IOException {
    entries.put(key, size);
    long used = bytes();
    List<String> victims = new ArrayList<>();
    for (Map.Entry<String, Long> e : entries.entrySet()) { // least recently used first
      if (used <= maxBytes) {
        break;
      }
      if (!e.getKey().equals(key)) {
        victims.add(e.getKey());
        used -= e.getValue();
      }
    }
    for (String victim : victims) {
      entries.remove(victim);
      deleteTree(dir.resolve(victim));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
