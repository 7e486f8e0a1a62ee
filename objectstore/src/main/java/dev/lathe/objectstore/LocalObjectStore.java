package dev.lathe.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory, the key being the relative path: the layout Lathe's data
 * directory has always had. A write goes to a hidden temporary file beside its target, is checked,
 * forced to disk and renamed into place atomically, so a crash never leaves a half-written object
 * under a real key. No SHA-256 is recorded (the bytes never cross a network after the write's
 * check), so {@link StoredObject#sha256()} is null here.
 */
public final class LocalObjectStore implements ObjectStore {
  private final Path root;

  public LocalObjectStore(Path root) throws IOException {
    this.root = Files.createDirectories(root).toAbsolutePath();
  }

  /** The file of {@code key} (which may not exist). */
  public Path path(String key) {
    return root.resolve(Keys.require(key));
  }

  @Override
  public void put(String key, InputStream in, long size, String sha256) throws IOException {
    Path target = path(key);
    Files.createDirectories(target.getParent());
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
    MessageDigest digest = Hashed.digest();
    long total = 0;
    try {
      try (OutputStream out = new DigestOutputStream(create(temp), digest)) {
        total = in.transferTo(out);
      }
      new Hashed(total, Hashed.hex(digest)).require(size, sha256, key, "written to " + root);
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * A new file at {@code temp}, its directory made again if a {@link #delete} pruned it meanwhile.
   */
  private static OutputStream create(Path temp) throws IOException {
    try {
      return Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW);
    } catch (NoSuchFileException e) {
      Files.createDirectories(temp.getParent());
      return Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW);
    }
  }

  @Override
  public Optional<StoredObject> head(String key) throws IOException {
    Path file = path(key);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    return Optional.of(new StoredObject(key, Files.size(file), null));
  }

  @Override
  public InputStream open(String key) throws IOException {
    return Files.newInputStream(path(key));
  }

  @Override
  public StoredObject get(String key, Path target) throws IOException {
    Path file = path(key);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no object `" + key + "`");
    }
    Files.createDirectories(target.toAbsolutePath().getParent());
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
    try {
      Files.copy(file, temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    return new StoredObject(key, Files.size(target), null);
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    List<StoredObject> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        String key = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
        if (key.startsWith(prefix) && isKey(key)) {
          out.add(new StoredObject(key, Files.size(p), null));
        }
      }
    }
    out.sort(Comparator.comparing(StoredObject::key));
    return out;
  }

  private static boolean isKey(String key) {
    try {
      Keys.require(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false; // a temporary file, or something not written through a store
    }
  }

  @Override
  public void delete(String key) throws IOException {
    Path file = path(key);
    Files.deleteIfExists(file);
    // prune directories the delete emptied, up to the root
    for (Path dir = file.getParent(); dir != null && !dir.equals(root); dir = dir.getParent()) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          break;
        }
      } catch (NoSuchFileException e) {
        continue;
      }
      try {
        Files.deleteIfExists(dir);
      } catch (java.nio.file.DirectoryNotEmptyException e) {
        break; // a write put something there meanwhile
      }
    }
  }

  @Override
  public String describe() {
    return "the directory " + root;
  }

  @Override
  public boolean local() {
    return true;
  }
}
