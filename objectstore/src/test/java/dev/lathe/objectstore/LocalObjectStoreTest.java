package dev.lathe.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The contract on a local directory, whose layout is the keys themselves. */
class LocalObjectStoreTest extends ObjectStoreContract {

  @Override
  ObjectStore store() throws Exception {
    return new LocalObjectStore(work.resolve("data"));
  }

  @Test
  void anObjectIsTheFileAtItsKeyAndNoTemporaryFileIsLeft() throws Exception {
    LocalObjectStore store = new LocalObjectStore(work.resolve("data"));
    byte[] b = random(1000, 3);
    put(store, "files/file-abc", b);
    assertThat(store.path("files/file-abc")).isEqualTo(work.resolve("data/files/file-abc"));
    assertThat(Files.readAllBytes(work.resolve("data/files/file-abc"))).isEqualTo(b);
    try (var entries = Files.list(work.resolve("data/files"))) {
      assertThat(entries.map(Path::getFileName).map(Path::toString)).containsExactly("file-abc");
    }
  }
}
