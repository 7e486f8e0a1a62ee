package dev.lathe.inference;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach the Hugging Face Hub and where to cache what it serves, read once from the
 * environment with the variable names {@code huggingface_hub} uses.
 *
 * @param endpoint the Hub or a mirror ({@code HF_ENDPOINT}, default {@code https://huggingface.co})
 * @param token a bearer token for gated and private repositories ({@code HF_TOKEN})
 * @param cacheDirectory the cache root ({@code HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
 *     {@code ~/.cache/huggingface/hub}); its layout is {@link HubCache}'s
 * @param offline cache only, never the network ({@code HF_HUB_OFFLINE=1})
 */
public record HubSettings(
    URI endpoint, Optional<String> token, Path cacheDirectory, boolean offline) {

  public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

  public HubSettings {
    String scheme = endpoint.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new IllegalArgumentException(
          "HF_ENDPOINT is '" + endpoint + "'; it must be an http(s) URL like " + DEFAULT_ENDPOINT);
    }
    String text = endpoint.toString();
    if (text.endsWith("/")) {
      endpoint = URI.create(text.substring(0, text.length() - 1));
    }
    token = token.filter(t -> !t.isBlank());
  }

  /** Settings from {@code environment} (pass {@code System.getenv()} at the edge). */
  public static HubSettings fromEnvironment(Map<String, String> environment, Path userHome) {
    URI endpoint =
        Optional.ofNullable(environment.get("HF_ENDPOINT"))
            .filter(s -> !s.isBlank())
            .map(URI::create)
            .orElse(DEFAULT_ENDPOINT);
    Path cache;
    if (nonBlank(environment.get("HF_HUB_CACHE"))) {
      cache = Path.of(environment.get("HF_HUB_CACHE"));
    } else if (nonBlank(environment.get("HF_HOME"))) {
      cache = Path.of(environment.get("HF_HOME")).resolve("hub");
    } else {
      cache = userHome.resolve(".cache").resolve("huggingface").resolve("hub");
    }
    String offline = environment.getOrDefault("HF_HUB_OFFLINE", "").trim().toLowerCase(Locale.ROOT);
    return new HubSettings(
        endpoint,
        Optional.ofNullable(environment.get("HF_TOKEN")),
        cache,
        offline.equals("1")
            || offline.equals("true")
            || offline.equals("yes")
            || offline.equals("on"));
  }

  private static boolean nonBlank(String s) {
    return s != null && !s.isBlank();
  }
}
