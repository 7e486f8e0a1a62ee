package dev.lathe.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A size and SHA-256 (lower-case hex) of some bytes.
 *
 * @param size bytes
 * @param sha256 the digest, lower-case hex
 */
public record Hashed(long size, String sha256) {

  /** The size and SHA-256 of {@code file}, read once. */
  public static Hashed of(Path file) throws IOException {
    MessageDigest digest = digest();
    long size = 0;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        size += n;
      }
    }
    return new Hashed(size, hex(digest));
  }

  /** A new SHA-256 digest. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The lower-case hex of {@code digest}'s result (which resets it). */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * Throws an {@link IntegrityException} naming {@code key} and {@code where} unless {@code size}
   * bytes with SHA-256 {@code sha256} were seen.
   */
  void require(long size, String sha256, String key, String where) throws IntegrityException {
    if (this.size != size || (sha256 != null && !this.sha256.equalsIgnoreCase(sha256))) {
      throw new IntegrityException(
          "The bytes of `"
              + key
              + "` "
              + where
              + " do not match: expected "
              + size
              + " bytes with SHA-256 "
              + sha256
              + ", got "
              + this.size
              + " bytes with SHA-256 "
              + this.sha256
              + ". Nothing was stored; write the object again.");
    }
  }
}
