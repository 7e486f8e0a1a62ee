package dev.lathe.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where stored bytes live, by key ({@code files/file-abc}, {@code jobs/ftjob-x/adapter/…}): a
 * directory on local disk ({@link LocalObjectStore}, the default) or an S3-compatible bucket
 * ({@link S3ObjectStore}). Keys are relative, {@code /}-separated, without {@code .} or {@code ..}
 * segments ({@link Keys}).
 *
 * <p>Every write is checked: {@link #put} is given the size and SHA-256 the caller expects and
 * stores nothing unless the bytes it read have them. An object whose SHA-256 was recorded when it
 * was written is checked against it again when it is {@linkplain #get downloaded}. A store that
 * cannot be reached throws {@link StoreUnavailableException}, naming where it is; what it already
 * holds is untouched.
 */
public interface ObjectStore {

  /**
   * Stores {@code size} bytes read from {@code in} under {@code key}, replacing any object there.
   * The bytes are streamed, never held whole. When they are not {@code size} bytes with the SHA-256
   * {@code sha256} (lower-case hex), nothing is stored (an object already there stays) and an
   * {@link IntegrityException} is thrown.
   */
  void put(String key, InputStream in, long size, String sha256) throws IOException;

  /** {@link #put} of a local file, its size and SHA-256 computed first. */
  default Hashed put(String key, Path file) throws IOException {
    Hashed hashed = Hashed.of(file);
    try (InputStream in = Files.newInputStream(file)) {
      put(key, in, hashed.size(), hashed.sha256());
    }
    return hashed;
  }

  /** The object at {@code key}, if there is one. */
  Optional<StoredObject> head(String key) throws IOException;

  /**
   * Reads the object at {@code key}; the caller closes the stream. The bytes are not checked: use
   * {@link #get} for a verified copy.
   *
   * @throws java.nio.file.NoSuchFileException when there is none
   */
  InputStream open(String key) throws IOException;

  /**
   * Copies the object at {@code key} to {@code target}: through a temporary file beside it, checked
   * against the object's recorded SHA-256 (when one was recorded) and moved into place atomically,
   * so {@code target} is never half-written. Returns what was copied.
   *
   * @throws java.nio.file.NoSuchFileException when there is no such object
   * @throws IntegrityException when the bytes read do not have the recorded size or SHA-256
   */
  StoredObject get(String key, Path target) throws IOException;

  /** The objects whose keys start with {@code prefix}, in key order. */
  List<StoredObject> list(String prefix) throws IOException;

  /** Deletes the object at {@code key}; nothing happens when there is none. */
  void delete(String key) throws IOException;

  /** Deletes every object whose key starts with {@code prefix}. */
  default void deletePrefix(String prefix) throws IOException {
    for (StoredObject o : list(prefix)) {
      delete(o.key());
    }
  }

  /**
   * Where the store is, for messages and logs (never a secret): a directory, or an endpoint and a
   * bucket.
   */
  String describe();

  /** Whether the stored bytes are on this machine's disk already (the local directory store). */
  boolean local();
}
