package dev.lathe.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} does, run against each implementation: the local directory and an
 * S3 bucket on a real S3 API server.
 */
abstract class ObjectStoreContract {
  @TempDir Path work;

  /** The store under test, empty. */
  abstract ObjectStore store() throws Exception;

  /** Bytes of an object larger than one multipart part of the S3 store under test. */
  static final int LARGE = 11 << 20;

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] b) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static void put(ObjectStore store, String key, byte[] b) throws Exception {
    store.put(key, new ByteArrayInputStream(b), b.length, sha256(b));
  }

  @Test
  void whatIsPutIsGotBackByteForByte() throws Exception {
    ObjectStore store = store();
    byte[] small = "{\"messages\":[]}\n".getBytes(StandardCharsets.UTF_8);
    byte[] large = random(LARGE, 1);
    put(store, "files/file-small", small);
    put(store, "jobs/ftjob-1/merged/model.safetensors", large);

    Path target = work.resolve("out/large.bin");
    StoredObject got = store.get("jobs/ftjob-1/merged/model.safetensors", target);
    assertThat(got.size()).isEqualTo(LARGE);
    assertThat(Files.readAllBytes(target)).isEqualTo(large);
    try (InputStream in = store.open("files/file-small")) {
      assertThat(in.readAllBytes()).isEqualTo(small);
    }
    assertThat(store.head("files/file-small")).get().extracting(StoredObject::size).isEqualTo(16L);
    if (!store.local()) {
      assertThat(store.head("jobs/ftjob-1/merged/model.safetensors").orElseThrow().sha256())
          .isEqualTo(sha256(large));
    }
  }

  @Test
  void aPutWhoseBytesDoNotMatchStoresNothingAndKeepsTheOldObject() throws Exception {
    ObjectStore store = store();
    byte[] old = "old".getBytes(StandardCharsets.UTF_8);
    put(store, "files/file-a", old);
    byte[] large = random(LARGE, 2);

    // the wrong SHA-256, small and large (multipart)
    assertThatThrownBy(
            () -> store.put("files/file-a", new ByteArrayInputStream(large), LARGE, sha256(old)))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("files/file-a")
        .hasMessageContaining(sha256(large));
    byte[] other = "new".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> store.put("files/file-a", new ByteArrayInputStream(other), 3, sha256(old)))
        .isInstanceOf(IntegrityException.class);
    // fewer and more bytes than promised
    assertThatThrownBy(
            () -> store.put("files/file-b", new ByteArrayInputStream(other), 4, sha256(other)))
        .isInstanceOf(IntegrityException.class);
    assertThatThrownBy(
            () -> store.put("files/file-b", new ByteArrayInputStream(other), 2, sha256(other)))
        .isInstanceOf(IntegrityException.class);

    try (InputStream in = store.open("files/file-a")) {
      assertThat(in.readAllBytes()).isEqualTo(old);
    }
    assertThat(store.head("files/file-b")).isEmpty();
    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("files/file-a");
  }

  @Test
  void listingIsByPrefixInKeyOrderAndDeletesRemove() throws Exception {
    ObjectStore store = store();
    byte[] b = "x".getBytes(StandardCharsets.UTF_8);
    for (String key :
        new String[] {
          "jobs/ftjob-2/checkpoints/checkpoint-step-8/state.json",
          "jobs/ftjob-2/checkpoints/checkpoint-step-16/state.json",
          "jobs/ftjob-2/adapter/adapter_config.json",
          "jobs/ftjob-20/adapter/adapter_config.json",
          "files/file-z"
        }) {
      put(store, key, b);
    }
    assertThat(store.list("jobs/ftjob-2/"))
        .extracting(StoredObject::key)
        .containsExactly(
            "jobs/ftjob-2/adapter/adapter_config.json",
            "jobs/ftjob-2/checkpoints/checkpoint-step-16/state.json",
            "jobs/ftjob-2/checkpoints/checkpoint-step-8/state.json");
    store.deletePrefix("jobs/ftjob-2/checkpoints/");
    store.delete("files/file-z");
    store.delete("files/never-written");
    assertThat(store.list(""))
        .extracting(StoredObject::key)
        .containsExactly(
            "jobs/ftjob-2/adapter/adapter_config.json",
            "jobs/ftjob-20/adapter/adapter_config.json");
  }

  @Test
  void aMissingObjectIsNoSuchFileAndLeavesNoTarget() throws Exception {
    ObjectStore store = store();
    Path target = work.resolve("missing.bin");
    assertThat(store.head("files/file-none")).isEmpty();
    assertThatThrownBy(() -> store.get("files/file-none", target))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> store.open("files/file-none")).isInstanceOf(NoSuchFileException.class);
    assertThat(target).doesNotExist();
    try (var left = Files.list(work)) {
      assertThat(left.filter(Files::isRegularFile)).as("no temporary file left").isEmpty();
    }
  }

  @Test
  void keysThatEscapeOrHideAreRefused() throws Exception {
    ObjectStore store = store();
    for (String key : new String[] {"../etc/passwd", "files/../x", "/abs", "files//x", ".hidden"}) {
      assertThatThrownBy(() -> put(store, key, new byte[1]))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not an object key");
    }
  }
}
