package dev.lathe.cli.client;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Where a client command sends its requests: any OpenAI-compatible API (a Lathe server, OpenAI
 * itself, or another compatible server), as a picocli mixin ({@code @Mixin Connection}) any command
 * can reuse. The flags win over {@code OPENAI_BASE_URL} and {@code OPENAI_API_KEY}; without either
 * the local Lathe server on its default port is used.
 */
public final class Connection {

  /** The local Lathe server's API, used when neither the flag nor the variable names one. */
  public static final String DEFAULT_BASE_URL = "http://127.0.0.1:8080/v1";

  @Option(
      names = "--base-url",
      paramLabel = "URL",
      defaultValue = "${env:OPENAI_BASE_URL:-" + DEFAULT_BASE_URL + "}",
      description = "The API's base URL (default: $OPENAI_BASE_URL, else ${DEFAULT-VALUE}).")
  private String baseUrl;

  @Option(
      names = "--api-key",
      paramLabel = "KEY",
      defaultValue = "${env:OPENAI_API_KEY:-lathe-local}",
      description = "The API key (default: $OPENAI_API_KEY; any key in Lathe's key-less mode).",
      showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER)
  private String apiKey;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "600",
      description = "How long one request may take (default ${DEFAULT-VALUE}).")
  private long timeoutSeconds;

  /** The base URL without trailing slashes. */
  public String baseUrl() {
    return baseUrl.replaceAll("/+$", "");
  }

  /** The API key to send as {@code Authorization: Bearer}. */
  public String apiKey() {
    return apiKey;
  }

  /** How long one request may take. */
  public Duration timeout() {
    return Duration.ofSeconds(Math.max(1, timeoutSeconds));
  }

  /**
   * A client for the endpoint; the caller closes it.
   *
   * @throws UsageException when the base URL is not an http(s) URL or the timeout is not positive
   */
  public OpenAIClient client() {
    URI uri;
    try {
      uri = URI.create(baseUrl());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--base-url is not a URL: '" + baseUrl + "'");
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      throw new UsageException(
          "--base-url must be an http(s) URL such as "
              + DEFAULT_BASE_URL
              + "; got '"
              + baseUrl
              + "'");
    }
    if (timeoutSeconds < 1) {
      throw new UsageException("--timeout must be at least 1 second; got " + timeoutSeconds);
    }
    return OpenAIOkHttpClient.builder()
        .baseUrl(baseUrl())
        .apiKey(apiKey)
        .timeout(Duration.ofSeconds(timeoutSeconds))
        .maxRetries(1)
        .build();
  }
}
