package dev.lathe.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, S3Proxy, …) through the AWS SDK for Java
 * v2, each key under the settings' prefix. The SHA-256 of every object is recorded as its user
 * metadata {@code sha256} and checked on every {@link #get}.
 *
 * <p>Writes: an object up to one part ({@link S3Settings#partSize()}) is sent in one request, a
 * larger one as a multipart upload, one part in memory at a time. Each request carries the
 * Content-MD5 of its bytes, which the server checks on receipt; the whole object's size and SHA-256
 * are checked against the caller's before the object is made visible (a mismatched multipart upload
 * is aborted, a single one never sent), so a failed write leaves any object already at the key as
 * it was.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  /** The user metadata key holding an object's SHA-256. */
  static final String SHA256 = "sha256";

  private final S3Settings settings;
  private final S3Client s3;

  public S3ObjectStore(S3Settings settings) {
    this.settings = settings;
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60)))
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            .credentialsProvider(credentials(settings))
            // the Content-MD5 and SHA-256 checks are Lathe's own; trailing checksums are not
            // understood by every S3-compatible server
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    this.s3 = builder.build();
  }

  private static AwsCredentialsProvider credentials(S3Settings settings) {
    if (settings.accessKeyId() != null) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private String full(String key) {
    return settings.prefix() + Keys.require(key);
  }

  @Override
  public void put(String key, InputStream in, long size, String sha256) throws IOException {
    String full = full(key);
    MessageDigest whole = Hashed.digest();
    if (size < settings.partSize()) {
      byte[] bytes = in.readNBytes((int) size);
      whole.update(bytes);
      int more = in.read() < 0 ? 0 : 1; // a byte past the promised size is a mismatch
      new Hashed(bytes.length + more, Hashed.hex(whole))
          .require(size, sha256, key, "to upload to " + settings.describe());
      call(
          key,
          () ->
              s3.putObject(
                  b ->
                      b.bucket(settings.bucket())
                          .key(full)
                          .contentLength((long) bytes.length)
                          .contentMD5(md5(bytes, bytes.length))
                          .metadata(Map.of(SHA256, sha256.toLowerCase())),
                  RequestBody.fromBytes(bytes)));
      return;
    }
    byte[] first = in.readNBytes(settings.partSize());
    multipart(key, full, first, in, size, sha256, whole);
  }

  private void multipart(
      String key,
      String full,
      byte[] first,
      InputStream in,
      long size,
      String sha256,
      MessageDigest whole)
      throws IOException {
    String upload =
        call(
            key,
            () ->
                s3.createMultipartUpload(
                        b ->
                            b.bucket(settings.bucket())
                                .key(full)
                                .metadata(Map.of(SHA256, sha256.toLowerCase())))
                    .uploadId());
    boolean completed = false;
    try {
      List<CompletedPart> parts = new ArrayList<>();
      long total = 0;
      byte[] part = first;
      int length = first.length;
      byte[] buffer = new byte[settings.partSize()];
      while (length > 0) {
        whole.update(part, 0, length);
        total += length;
        int number = parts.size() + 1;
        byte[] bytes = part;
        int n = length;
        String etag =
            call(
                key,
                () ->
                    s3.uploadPart(
                            b ->
                                b.bucket(settings.bucket())
                                    .key(full)
                                    .uploadId(upload)
                                    .partNumber(number)
                                    .contentLength((long) n)
                                    .contentMD5(md5(bytes, n)),
                            RequestBody.fromInputStream(
                                new java.io.ByteArrayInputStream(bytes, 0, n), n))
                        .eTag());
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        part = buffer;
        length = in.readNBytes(buffer, 0, buffer.length);
      }
      new Hashed(total, Hashed.hex(whole))
          .require(size, sha256, key, "uploaded to " + settings.describe());
      call(
          key,
          () ->
              s3.completeMultipartUpload(
                  b ->
                      b.bucket(settings.bucket())
                          .key(full)
                          .uploadId(upload)
                          .multipartUpload(m -> m.parts(parts))));
      completed = true;
    } finally {
      if (!completed) {
        abortQuietly(full, upload);
      }
    }
  }

  private void abortQuietly(String full, String upload) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(full).uploadId(upload));
    } catch (SdkException e) {
      // the bucket's lifecycle rules clean up what an unreachable server kept
    }
  }

  @Override
  public Optional<StoredObject> head(String key) throws IOException {
    try {
      HeadObjectResponse r =
          call(key, () -> s3.headObject(b -> b.bucket(settings.bucket()).key(full(key))));
      return Optional.of(new StoredObject(key, r.contentLength(), r.metadata().get(SHA256)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public InputStream open(String key) throws IOException {
    return call(key, () -> s3.getObject(b -> b.bucket(settings.bucket()).key(full(key))));
  }

  @Override
  public StoredObject get(String key, Path target) throws IOException {
    Path absolute = target.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    Path temp =
        absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".part");
    try (ResponseInputStream<GetObjectResponse> in =
        call(key, () -> s3.getObject(b -> b.bucket(settings.bucket()).key(full(key))))) {
      MessageDigest digest = Hashed.digest();
      long total;
      try (OutputStream out =
          new DigestOutputStream(
              Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW), digest)) {
        total = in.transferTo(out);
      } catch (SdkException e) {
        throw unavailable(key, e);
      }
      String recorded = in.response().metadata().get(SHA256);
      new Hashed(total, Hashed.hex(digest))
          .require(
              in.response().contentLength(),
              recorded,
              key,
              "downloaded from " + settings.describe());
      Files.move(
          temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new StoredObject(key, total, recorded);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    String full = settings.prefix() + prefix;
    return call(
        prefix,
        () -> {
          List<StoredObject> out = new ArrayList<>();
          for (S3Object o :
              s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(full)).contents()) {
            if (!o.key().endsWith("/")) { // a directory marker some servers list, not an object
              out.add(
                  new StoredObject(o.key().substring(settings.prefix().length()), o.size(), null));
            }
          }
          return out;
        });
  }

  @Override
  public void delete(String key) throws IOException {
    call(key, () -> s3.deleteObject(b -> b.bucket(settings.bucket()).key(full(key))));
  }

  @Override
  public String describe() {
    return "the object store " + settings.describe();
  }

  @Override
  public boolean local() {
    return false;
  }

  @Override
  public void close() {
    s3.close();
  }

  private interface Call<T> {
    T run();
  }

  /**
   * Runs one request: a missing key becomes a {@link NoSuchFileException}, anything else the SDK
   * throws (no connection, a missing bucket, refused credentials) a {@link
   * StoreUnavailableException} naming the store.
   */
  private <T> T call(String key, Call<T> request) throws IOException {
    try {
      return request.run();
    } catch (NoSuchKeyException e) {
      throw new NoSuchFileException(key, null, "no object `" + key + "` in " + describe());
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && !"NoSuchBucket".equals(code(e))) {
        throw new NoSuchFileException(key, null, "no object `" + key + "` in " + describe());
      }
      throw unavailable(key, e);
    } catch (SdkException e) {
      throw unavailable(key, e);
    }
  }

  private static String code(S3Exception e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  private StoreUnavailableException unavailable(String key, SdkException e) {
    String why =
        e instanceof S3Exception s3e
            ? "it answered " + s3e.statusCode() + (code(s3e) == null ? "" : " " + code(s3e))
            : "it cannot be reached (" + e.getMessage() + ")";
    return new StoreUnavailableException(
        "The object store "
            + settings.describe()
            + " failed on `"
            + key
            + "`: "
            + why
            + ". Check that the server is running and reachable, that the bucket exists and that"
            + " the storage settings and credentials are right; nothing stored was changed.",
        e);
  }

  private static String md5(byte[] bytes, int length) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(bytes, 0, length);
      return Base64.getEncoder().encodeToString(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
