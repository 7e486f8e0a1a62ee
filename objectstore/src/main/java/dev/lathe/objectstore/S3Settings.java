package dev.lathe.objectstore;

import java.net.URI;

/**
 * Where an S3-compatible bucket is and how to sign in to it.
 *
 * @param endpoint the server's URL ({@code http://minio:9000}); null for AWS itself
 * @param region the signing region ({@code us-east-1} for most other servers)
 * @param bucket the bucket, which must exist
 * @param prefix prepended to every key ({@code lathe/}), empty for none
 * @param pathStyle {@code http://host/bucket/key} addressing instead of {@code
 *     http://bucket.host/key} (what most self-hosted servers need)
 * @param accessKeyId the access key, or null to use the AWS SDK's default chain ({@code
 *     AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}, profiles, instance roles)
 * @param secretAccessKey its secret, null exactly when {@code accessKeyId} is
 * @param partSize bytes per part of a multipart upload; larger objects are uploaded in parts of
 *     this size (at least 5 MiB, S3's minimum)
 */
public record S3Settings(
    URI endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    String accessKeyId,
    String secretAccessKey,
    int partSize) {

  /** S3's smallest part (but the last). */
  public static final int MIN_PART_SIZE = 5 << 20;

  /** The part size when none is configured. */
  public static final int DEFAULT_PART_SIZE = 16 << 20;

  public S3Settings {
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("an S3 store needs a bucket");
    }
    if (region == null || region.isBlank()) {
      region = "us-east-1";
    }
    prefix =
        prefix == null || prefix.isEmpty() || prefix.endsWith("/") ? nonNull(prefix) : prefix + "/";
    if ((accessKeyId == null) != (secretAccessKey == null)) {
      throw new IllegalArgumentException(
          "give both an access key id and a secret access key, or neither (to use the"
              + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables)");
    }
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException(
          "the multipart part size must be at least " + MIN_PART_SIZE + " bytes, not " + partSize);
    }
  }

  private static String nonNull(String prefix) {
    return prefix == null ? "" : prefix;
  }

  /** Where the bucket is, for messages: never the credentials. */
  public String describe() {
    return "bucket `"
        + bucket
        + "`"
        + (prefix.isEmpty() ? "" : " (prefix `" + prefix + "`)")
        + " at "
        + (endpoint == null ? "AWS S3 (" + region + ")" : endpoint.toString());
  }

  /** No secret in logs. */
  @Override
  public String toString() {
    return "S3Settings[" + describe() + ", path style " + pathStyle + "]";
  }
}
