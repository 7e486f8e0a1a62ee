package dev.lathe.server.store;

import dev.lathe.server.http.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * File bytes under {@code dataDir/files}, named by the file id only (never by the client's file
 * name). A write streams to a temporary file while hashing and counting, forces it to disk and
 * renames it into place atomically, so a crash never leaves a half-written file under a real name.
 */
public final class FileContents {
  private final Path directory;

  public FileContents(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
  }

  /** What {@link #write} stored. */
  public record Written(String storageName, long bytes, String sha256) {}

  /**
   * Streams {@code in} to the file {@code id}; more than {@code limit} bytes abort the write with a
   * 413 and leave nothing behind.
   */
  public Written write(String id, InputStream in, long limit) throws IOException {
    if (!id.matches("file-[A-Za-z0-9]+")) {
      throw new IllegalArgumentException("not a file id: " + id);
    }
    Path temp = directory.resolve(id + ".part");
    Path target = directory.resolve(id);
    MessageDigest digest = sha256();
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
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return new Written(id, total, HexFormat.of().formatHex(digest.digest()));
  }

  public Path path(String storageName) {
    return directory.resolve(storageName);
  }

  public void delete(String storageName) throws IOException {
    Files.deleteIfExists(directory.resolve(storageName));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
