package dev.lathe.inference;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where a model comes from: a path on this machine (a Hugging Face style directory or a single
 * checkpoint file), or a Hugging Face Hub repository {@code org/name[@revision]} that {@link
 * HubDownloader} fetches into its cache.
 */
public sealed interface ModelSource {

  /** A model already on disk. */
  record Local(Path path) implements ModelSource {}

  /**
   * A Hub repository.
   *
   * @param repoId {@code org/name}
   * @param revision a branch, tag or commit ({@code main} when not given)
   */
  record Hub(String repoId, String revision) implements ModelSource {
    private static final Pattern REPO_ID =
        Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    public Hub {
      if (!REPO_ID.matcher(repoId).matches() || repoId.contains("..")) {
        throw new IllegalArgumentException(
            "'"
                + repoId
                + "' is not a Hugging Face repo id; expected org/name, e.g. "
                + "HuggingFaceTB/SmolLM2-135M");
      }
      if (revision.isEmpty() || revision.contains("..") || revision.startsWith("/")) {
        throw new IllegalArgumentException(
            "'"
                + revision
                + "' is not a usable revision of "
                + repoId
                + "; give a branch, tag or commit, e.g. main");
      }
    }

    @Override
    public String toString() {
      return repoId + "@" + revision;
    }
  }

  /**
   * The model {@code spec} names, on this machine: the path given, or the Hub repository's snapshot
   * directory in the cache of {@code hub} (downloaded when missing).
   */
  static Path localPath(String spec, HubSettings hub) throws IOException {
    return switch (parse(spec)) {
      case Local local -> local.path();
      case Hub repo ->
          new HubDownloader(
                  hub,
                  HttpClient.newBuilder()
                      .followRedirects(HttpClient.Redirect.NORMAL)
                      .connectTimeout(Duration.ofSeconds(30))
                      .build())
              .fetch(repo);
    };
  }

  /**
   * Reads a model argument: an existing path is {@link Local}; otherwise {@code org/name} or {@code
   * org/name@revision} is {@link Hub}.
   */
  static ModelSource parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(
          "no model given; name a model directory, a .bin checkpoint or a Hugging Face repo id");
    }
    Path path = Path.of(spec);
    if (Files.exists(path)) {
      return new Local(path);
    }
    int at = spec.indexOf('@');
    String repoId = at < 0 ? spec : spec.substring(0, at);
    String revision = at < 0 ? "main" : spec.substring(at + 1);
    boolean looksLikePath =
        spec.startsWith("/")
            || spec.startsWith(".")
            || spec.startsWith("~")
            || repoId.chars().filter(c -> c == '/').count() != 1;
    if (looksLikePath) {
      throw new IllegalArgumentException(
          "model '"
              + spec
              + "' does not exist on disk and is not a Hugging Face repo id "
              + "(org/name[@revision]); check the path");
    }
    return new Hub(repoId, revision);
  }
}
