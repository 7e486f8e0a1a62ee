package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.objectstore.S3ObjectStore;
import dev.lathe.objectstore.S3Settings;
import dev.lathe.server.store.StoreCache;
import dev.lathe.testkit.TestS3;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download cache over a bucket of a real S3 API server: objects and model directories come down
 * once, and the least recently used go when the bound is passed.
 */
class StoreCacheTest {
  @TempDir Path dir;
  TestS3 s3;
  S3ObjectStore store;

  @AfterEach
  void stop() throws Exception {
    if (store != null) {
      store.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  void put(String key, int size, int fill) throws Exception {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) fill);
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    store.put(key, new ByteArrayInputStream(b), size, sha);
  }

  @Test
  void keepsAtMostItsBoundEvictingTheLeastRecentlyUsed() throws Exception {
    s3 = TestS3.start(dir.resolve("s3"));
    store =
        new S3ObjectStore(
            new S3Settings(
                s3.endpoint(),
                "us-east-1",
                TestS3.BUCKET,
                "",
                true,
                TestS3.ACCESS_KEY,
                TestS3.SECRET_KEY,
                S3Settings.MIN_PART_SIZE));
    put("files/file-a", 400, 1);
    put("files/file-b", 400, 2);
    put("files/file-c", 400, 3);
    put("jobs/j/adapter/adapter_config.json", 100, 4);
    put("jobs/j/adapter/adapter_model.safetensors", 300, 5);
    StoreCache cache = new StoreCache(store, dir.resolve("cache"), 1000);

    Path a = cache.file("files/file-a");
    Path b = cache.file("files/file-b");
    assertThat(Files.readAllBytes(a)).hasSize(400).containsOnly((byte) 1);
    assertThat(cache.file("files/file-a")).isEqualTo(a); // a is now the most recent
    Path c = cache.file("files/file-c"); // 1200 bytes: b, the least recently used, goes
    assertThat(b).doesNotExist();
    assertThat(a).exists();
    assertThat(c).exists();
    assertThat(cache.bytes()).isEqualTo(800);

    // a model directory is one entry: all its files, downloaded together
    Path adapter = cache.resolve(StoreCache.location("jobs/j/adapter"));
    assertThat(adapter.resolve("adapter_model.safetensors")).hasSize(300);
    assertThat(adapter.resolve("adapter_config.json")).hasSize(100);
    assertThat(a).doesNotExist(); // 1200 bytes again: a went
    assertThat(cache.bytes()).isEqualTo(800);

    // a file deleted behind its back is downloaded again; a plain path is itself
    Files.delete(c);
    assertThat(cache.file("files/file-c")).hasSize(400);
    assertThat(cache.resolve("/models/here")).isEqualTo(Path.of("/models/here"));
    assertThatThrownBy(() -> cache.resolve(StoreCache.location("jobs/none/adapter")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("nothing is stored under `jobs/none/adapter/`");
  }
}
