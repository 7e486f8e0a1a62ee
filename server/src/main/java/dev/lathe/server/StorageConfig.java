package dev.lathe.server;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lathe.objectstore.LocalObjectStore;
import dev.lathe.objectstore.ObjectStore;
import dev.lathe.objectstore.S3ObjectStore;
import dev.lathe.objectstore.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where files, checkpoints, adapters, merged models and result files are kept: the config file's
 * {@code storage} object. {@code local} (the default) keeps them under the data directory, as
 * always; {@code s3} keeps them in an S3-compatible bucket, so that workers on other machines need
 * only the database and the bucket: each keeps what it downloads in a cache under its own data
 * directory, at most {@code cache_max_bytes}.
 *
 * <pre>{@code
 * "storage": {"type": "s3", "endpoint": "http://minio:9000", "region": "us-east-1",
 *             "bucket": "lathe", "prefix": "prod/", "path_style": true,
 *             "access_key_id": "...", "secret_access_key": "...",
 *             "part_size_bytes": 16777216, "cache_max_bytes": 10737418240}
 * }</pre>
 *
 * Without {@code access_key_id} and {@code secret_access_key} the AWS SDK's default chain is used
 * ({@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles). The secret
 * never appears in {@link #toString()} or in any message.
 *
 * @param type {@code local} or {@code s3}
 * @param endpoint the S3 server's URL; leave out for AWS itself
 * @param region the signing region (default {@code us-east-1})
 * @param bucket the bucket (s3 only; it must exist)
 * @param prefix prepended to every key, e.g. {@code prod/}
 * @param pathStyle path-style addressing (most self-hosted servers need it)
 * @param accessKeyId the access key id, or null for the SDK's default chain
 * @param secretAccessKey its secret
 * @param partSizeBytes multipart part size (default 16 MiB, at least 5 MiB)
 * @param cacheMaxBytes the local download cache's bound (default 10 GiB)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record StorageConfig(
    String type,
    String endpoint,
    String region,
    String bucket,
    String prefix,
    @JsonProperty("path_style") boolean pathStyle,
    @JsonProperty("access_key_id") String accessKeyId,
    @JsonProperty("secret_access_key") String secretAccessKey,
    @JsonProperty("part_size_bytes") long partSizeBytes,
    @JsonProperty("cache_max_bytes") long cacheMaxBytes) {

  /** The cache bound when none is configured. */
  public static final long DEFAULT_CACHE_MAX_BYTES = 10L << 30;

  /** Everything under the data directory. */
  public static final StorageConfig LOCAL =
      new StorageConfig("local", null, null, null, null, false, null, null, 0, 0);

  public StorageConfig {
    type = type == null ? "local" : type;
    if (partSizeBytes == 0) {
      partSizeBytes = S3Settings.DEFAULT_PART_SIZE;
    }
    if (cacheMaxBytes == 0) {
      cacheMaxBytes = DEFAULT_CACHE_MAX_BYTES;
    }
    if (cacheMaxBytes < 0) {
      throw new IllegalArgumentException("storage.cache_max_bytes must be positive");
    }
    switch (type) {
      case "local" -> {
        if (endpoint != null || bucket != null || accessKeyId != null) {
          throw new IllegalArgumentException(
              "storage.type is local but S3 settings are given; set \"type\": \"s3\" or remove"
                  + " them");
        }
      }
      case "s3" -> {
        if (partSizeBytes < S3Settings.MIN_PART_SIZE || partSizeBytes > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(
              "storage.part_size_bytes must be between "
                  + S3Settings.MIN_PART_SIZE
                  + " and "
                  + Integer.MAX_VALUE);
        }
        if (endpoint != null) {
          try {
            URI uri = new URI(endpoint);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
              throw new IllegalArgumentException(
                  "storage.endpoint must be an http:// or https:// URL, not " + endpoint);
            }
          } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(
                "storage.endpoint is not a URL: " + endpoint + " (" + e.getReason() + ")");
          }
        }
        try {
          s3(
              endpoint,
              region,
              bucket,
              prefix,
              pathStyle,
              accessKeyId,
              secretAccessKey,
              partSizeBytes);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("storage: " + e.getMessage(), e);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "storage.type is `" + type + "`; use \"local\" or \"s3\"");
    }
  }

  /** The bucket's settings (s3 only). */
  public S3Settings s3() {
    return s3(
        endpoint, region, bucket, prefix, pathStyle, accessKeyId, secretAccessKey, partSizeBytes);
  }

  private static S3Settings s3(
      String endpoint,
      String region,
      String bucket,
      String prefix,
      boolean pathStyle,
      String accessKeyId,
      String secretAccessKey,
      long partSizeBytes) {
    return new S3Settings(
        endpoint == null ? null : URI.create(endpoint),
        region,
        bucket,
        prefix,
        pathStyle,
        accessKeyId,
        secretAccessKey,
        (int) partSizeBytes);
  }

  /** Whether the bytes live in a bucket rather than under the data directory. */
  public boolean remote() {
    return type.equals("s3");
  }

  /** The store these settings name; a local one is rooted at {@code dataDir}. */
  public ObjectStore open(Path dataDir) throws IOException {
    if (!remote()) {
      return new LocalObjectStore(dataDir);
    }
    return new S3ObjectStore(s3());
  }

  /** No secret. */
  @Override
  public String toString() {
    return remote()
        ? "StorageConfig[s3 " + s3() + ", cache " + cacheMaxBytes + " bytes]"
        : "StorageConfig[local]";
  }
}
