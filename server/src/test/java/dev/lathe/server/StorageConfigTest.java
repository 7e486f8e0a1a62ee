package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file's {@code storage} object: defaults, an S3 bucket, and each mistake named. */
class StorageConfigTest {
  @TempDir Path dir;

  ServerConfig read(String storage) throws IOException {
    Path file = dir.resolve("lathe.json");
    Files.writeString(file, "{\"storage\": " + storage + "}");
    return ServerConfig.read(file, ServerConfig.defaults(null));
  }

  @Test
  void withoutStorageEverythingStaysUnderTheDataDirectory() throws IOException {
    assertThat(ServerConfig.defaults(null).storage()).isEqualTo(StorageConfig.LOCAL);
    assertThat(ServerConfig.defaults(null).storage().remote()).isFalse();
    assertThat(read("{}").storage().type()).isEqualTo("local");
  }

  @Test
  void anS3BucketIsReadWithDefaultsAndItsSecretIsNeverShown() throws IOException {
    StorageConfig s3 =
        read("""
                {"type": "s3", "endpoint": "http://minio:9000", "bucket": "lathe",
                 "prefix": "prod", "path_style": true,
                 "access_key_id": "AKIAEXAMPLE", "secret_access_key": "very-secret-value"}
                """)
            .storage();
    assertThat(s3.remote()).isTrue();
    assertThat(s3.cacheMaxBytes()).isEqualTo(StorageConfig.DEFAULT_CACHE_MAX_BYTES);
    assertThat(s3.partSizeBytes()).isEqualTo(16 << 20);
    assertThat(s3.toString())
        .contains("bucket `lathe`", "prefix `prod/`", "http://minio:9000")
        .doesNotContain("very-secret-value");
  }

  @Test
  void mistakesAreNamedWithTheFieldAndTheFix() {
    assertThatThrownBy(() -> read("{\"type\": \"gcs\"}"))
        .hasMessageContaining("storage.type is `gcs`; use \"local\" or \"s3\"");
    assertThatThrownBy(() -> read("{\"type\": \"s3\"}"))
        .hasMessageContaining("storage: an S3 store needs a bucket");
    assertThatThrownBy(() -> read("{\"bucket\": \"b\"}"))
        .hasMessageContaining("storage.type is local but S3 settings are given");
    assertThatThrownBy(() -> read("{\"type\": \"s3\", \"bucket\": \"b\", \"endpoint\": \"minio\"}"))
        .hasMessageContaining("storage.endpoint must be an http:// or https:// URL");
    assertThatThrownBy(
            () -> read("{\"type\": \"s3\", \"bucket\": \"b\", \"access_key_id\": \"AKIA\"}"))
        .hasMessageContaining("give both an access key id and a secret access key");
    assertThatThrownBy(
            () -> read("{\"type\": \"s3\", \"bucket\": \"b\", \"part_size_bytes\": 1024}"))
        .hasMessageContaining("storage.part_size_bytes must be between 5242880");
    assertThatThrownBy(() -> read("{\"type\": \"s3\", \"bucket\": \"b\", \"buckett\": \"x\"}"))
        .hasMessageContaining("buckett");
  }
}
