package dev.lathe.server;

import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The accepted API keys, held only as SHA-256 hashes, each mapped to the {@link Caller} it
 * authenticates. In key-less mode every request is the admin of {@link ServerConfig#LOCAL_PROJECT}.
 */
final class ApiKeys {
  private final Map<String, Caller> byHash = new HashMap<>();
  private final boolean keyless;

  ApiKeys(List<ServerConfig.ApiKey> keys) {
    this.keyless = keys.isEmpty();
    for (ServerConfig.ApiKey key : keys) {
      byHash.put(sha256(key.key()), new Caller(key.project(), key.admin()));
    }
  }

  /** Who sent {@code authorization} (the raw header, may be null). */
  Caller authenticate(String authorization) {
    if (keyless) {
      return new Caller(ServerConfig.LOCAL_PROJECT, true);
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiException(
          401,
          "invalid_request_error",
          "You didn't provide an API key. You need to provide your API key in an Authorization"
              + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          null,
          null);
    }
    String key = authorization.substring(7).strip();
    Caller caller = byHash.get(sha256(key));
    if (caller == null) {
      throw new ApiException(
          401,
          "invalid_request_error",
          "Incorrect API key provided: " + redact(key) + ".",
          null,
          "invalid_api_key");
    }
    return caller;
  }

  /** OpenAI-style redaction: the first 3 and last 4 characters. */
  static String redact(String key) {
    if (key.length() <= 8) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 3)
        + "*".repeat(Math.min(20, key.length() - 7))
        + key.substring(key.length() - 4);
  }

  static String sha256(String key) {
    return HexFormat.of().formatHex(SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** One digest per thread: a provider lookup per request costs more than hashing the key. */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
          });
}
