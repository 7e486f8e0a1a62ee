package dev.lathe.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.TestS3;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on a bucket of a real S3 API server (S3Proxy over HTTP, in its own JVM), with 5 MiB
 * parts so that the large objects go up in three; and what only a remote store can do wrong.
 */
class S3ObjectStoreTest extends ObjectStoreContract {
  @TempDir static Path serverDir;
  static TestS3 server;
  static int tests;
  S3ObjectStore store;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestS3.start(serverDir);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  static S3Settings settings(URI endpoint, String prefix) {
    return new S3Settings(
        endpoint,
        "us-east-1",
        TestS3.BUCKET,
        prefix,
        true,
        TestS3.ACCESS_KEY,
        TestS3.SECRET_KEY,
        S3Settings.MIN_PART_SIZE);
  }

  @Override
  ObjectStore store() {
    // each test in its own prefix of the one bucket, so each starts empty
    store = new S3ObjectStore(settings(server.endpoint(), "t" + (++tests) + "/lathe"));
    return store;
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aLargeObjectGoesUpInPartsAndTheSmallOneInOneRequest() throws Exception {
    ObjectStore s = store();
    put(s, "jobs/j/big", random(LARGE, 4));
    put(s, "jobs/j/small", random(100, 5));
    try (var raw =
        software.amazon.awssdk.services.s3.S3Client.builder()
            .endpointOverride(server.endpoint())
            .region(software.amazon.awssdk.regions.Region.US_EAST_1)
            .forcePathStyle(true)
            .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
            .credentialsProvider(
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                    software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                        TestS3.ACCESS_KEY, TestS3.SECRET_KEY)))
            .build()) {
      String prefix = "t" + tests + "/lathe/jobs/j/";
      // a multipart object's ETag is the MD5 of its parts' MD5s, then "-" and the part count
      assertThat(raw.headObject(b -> b.bucket(TestS3.BUCKET).key(prefix + "big")).eTag())
          .endsWith("-3\"");
      assertThat(raw.headObject(b -> b.bucket(TestS3.BUCKET).key(prefix + "small")).eTag())
          .doesNotContain("-");
    }
  }

  @Test
  void bytesChangedInTheStoreAreCaughtOnDownloadAndNothingIsWritten() throws Exception {
    ObjectStore s = store();
    byte[] b = random(4096, 6);
    put(s, "files/file-x", b);
    // flip one byte of the object where the server keeps it
    Path blob =
        serverDir
            .resolve("s3-blobs")
            .resolve(TestS3.BUCKET)
            .resolve("t" + tests + "/lathe/files/file-x");
    byte[] stored = Files.readAllBytes(blob);
    stored[100] ^= 1;
    Files.write(blob, stored);
    Path target = work.resolve("x.bin");
    assertThatThrownBy(() -> s.get("files/file-x", target))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("files/file-x")
        .hasMessageContaining(sha256(b));
    assertThat(target).doesNotExist();
  }

  @Test
  void anUnreachableStoreFailsNamingItsEndpointAndBucket() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    URI nowhere = URI.create("http://127.0.0.1:" + closed);
    try (S3ObjectStore s = new S3ObjectStore(settings(nowhere, ""))) {
      byte[] b = random(10, 7);
      for (ThrowingCall call :
          new ThrowingCall[] {
            () -> put(s, "files/file-u", b),
            () -> s.get("files/file-u", work.resolve("u.bin")),
            () -> s.list("files/"),
            () -> s.head("files/file-u")
          }) {
        assertThatThrownBy(call::run)
            .isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining(nowhere.toString())
            .hasMessageContaining("bucket `" + TestS3.BUCKET + "`")
            .hasMessageContaining("nothing stored was changed")
            .hasMessageNotContaining(TestS3.SECRET_KEY);
      }
    }
  }

  @Test
  void aMissingBucketOrWrongSecretIsUnavailableNotMissing() throws Exception {
    S3Settings good = settings(server.endpoint(), "");
    S3Settings noBucket =
        new S3Settings(
            good.endpoint(),
            good.region(),
            "no-such-bucket",
            "",
            true,
            good.accessKeyId(),
            good.secretAccessKey(),
            good.partSize());
    S3Settings badSecret =
        new S3Settings(
            good.endpoint(),
            good.region(),
            good.bucket(),
            "",
            true,
            good.accessKeyId(),
            "wrong-secret",
            good.partSize());
    for (S3Settings settings : new S3Settings[] {noBucket, badSecret}) {
      try (S3ObjectStore s = new S3ObjectStore(settings)) {
        assertThatThrownBy(() -> put(s, "files/file-m", new byte[] {1}))
            .isInstanceOf(StoreUnavailableException.class)
            .hasMessageContaining("answered 40")
            .hasMessageNotContaining("wrong-secret");
      }
    }
  }

  interface ThrowingCall {
    void run() throws Exception;
  }
}
