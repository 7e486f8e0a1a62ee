package dev.lathe.server.store;

import dev.lathe.objectstore.Hashed;
import dev.lathe.server.http.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;

/**
 * File bytes, kept in the object store as {@code files/<file id>} (named by the file id only, never
 * by the client's file name): under {@code dataDir/files} with the local store. A write streams to
 * a temporary file under {@code dataDir/tmp} while hashing and counting, then puts it into the
 * store, which checks the size and SHA-256 again on the way (see {@link
 * dev.lathe.objectstore.ObjectStore#put}), so a failed or half-done write never leaves an object
 * under a real key. With a remote store the temporary file becomes the cached copy.
 */
public final class FileContents {
  private static final String PREFIX = "files/";
  private final StoreCache cache;
  private final Path scratch;

  /**
   * @param cache the store and this process's local copies of it
   * @param scratch where uploads are spooled before they are stored
   */
  public FileContents(StoreCache cache, Path scratch) throws IOException {
    this.cache = cache;
    this.scratch = Files.createDirectories(scratch);
  }

  /** What {@link #write} stored. */
  public record Written(String storageName, long bytes, String sha256) {}

  /**
   * Streams {@code in} to the file {@code id}; more than {@code limit} bytes abort the write with a
   * 413 and leave nothing behind. An unreachable store throws {@link
   * dev.lathe.objectstore.StoreUnavailableException} and stores nothing.
   */
  public Written write(String id, InputStream in, long limit) throws IOException {
    if (!id.matches("file-[A-Za-z0-9]+")) {
      throw new IllegalArgumentException("not a file id: " + id);
    }
    Path temp = scratch.resolve(id + ".part");
    MessageDigest digest = Hashed.digest();
    long total = 0;
    try {
      try (OutputStream raw = Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW);
          OutputStream out = new DigestOutputStream(raw, digest)) {
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = in.read(buffer)) > 0; ) {
          total += n;
          if (total > limit) {
            throw new ApiException(
                413,
                "invalid_request_error",
                "File is larger than the upload limit of " + limit + " bytes.",
                "file",
                "file_too_large");
          }
          out.write(buffer, 0, n);
        }
      }
      String sha256 = Hashed.hex(digest);
      try (InputStream spooled = Files.newInputStream(temp)) {
        cache.store().put(PREFIX + id, spooled, total, sha256);
      }
      cache.adopt(PREFIX + id, temp, total);
      return new Written(id, total, sha256);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** A local file with the stored bytes of {@code storageName} (downloaded first if need be). */
  public Path path(String storageName) throws IOException {
    return cache.file(PREFIX + storageName);
  }

  public void delete(String storageName) throws IOException {
    cache.store().delete(PREFIX + storageName);
    cache.forget(PREFIX + storageName);
  }
}
