package dev.lathe.transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A checkpoint file mapped read-only, once, on first use, for as long as any view of it is
 * reachable (an automatic arena): the mapping that a model reading its weights straight from the
 * file holds, which outlives the reader that found the tensors (whose own mapping closes with it).
 */
final class KeptMapping {
  private final Path path;
  private MemorySegment file;

  KeptMapping(Path path) {
    this.path = path;
  }

  /** The whole file. */
  synchronized MemorySegment file() {
    if (file == null) {
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
      } catch (IOException e) {
        throw new UncheckedIOException(path + ": mapping: " + e.getMessage(), e);
      }
    }
    return file;
  }
}
