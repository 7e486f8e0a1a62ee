package dev.lathe.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Fetches what Lathe needs of a Hugging Face Hub model repository — configuration, tokenizer and
 * safetensors weights (with their shard index) — into a {@link HubCache}.
 *
 * <p>The file list comes from the Hub API ({@code GET /api/models/{id}/revision/{rev}?blobs=true}),
 * which also pins the revision to a commit. Each file is streamed into {@code {file}.part}; an
 * interrupted download resumes from there with an HTTP {@code Range} request. A large (LFS) file is
 * checked against the sha256 the Hub reports for it (the listing's {@code lfs.sha256}, else the
 * {@code X-Linked-Etag} header), every file against its listed size; only then is it renamed to its
 * final name, atomically. Offline ({@code HF_HUB_OFFLINE}), only a complete cached snapshot is
 * used.
 */
public final class HubDownloader {
  private static final Set<String> WANTED =
      Set.of(
          "config.json",
          "generation_config.json",
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "tokenizer.model",
          "chat_template.jinja");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HubSettings settings;
  private final HttpClient client;
  private final HubCache cache;

  public HubDownloader(HubSettings settings, HttpClient client) {
    this.settings = settings;
    this.client = client;
    this.cache = new HubCache(settings.cacheDirectory());
  }

  /** One file of a repository as the Hub lists it. */
  record HubFile(String name, long size, Optional<String> sha256) {}

  /** Whether Lathe downloads a repository file of this name. */
  static boolean wanted(String name) {
    if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      return false; // only top-level files; never anything that could leave the snapshot
    }
    return WANTED.contains(name)
        || name.endsWith(".safetensors")
        || name.endsWith(".safetensors.index.json");
  }

  /** The local directory holding {@code repo}'s files, downloading what is missing. */
  public Path fetch(ModelSource.Hub repo) throws IOException {
    if (settings.offline()) {
      return cached(repo);
    }
    JsonNode info = getJson(repo, apiUri(repo));
    String commit = info.path("sha").asText("");
    if (!commit.matches("[0-9a-f]{40}")) {
      throw new IOException(
          "the Hub's answer for "
              + repo
              + " at "
              + apiUri(repo)
              + " has no commit sha; is "
              + settings.endpoint()
              + " a Hugging Face Hub (HF_ENDPOINT)?");
    }
    List<HubFile> files = wantedFiles(repo, info);
    Path snapshot = cache.snapshot(repo.repoId(), commit);
    Files.createDirectories(snapshot);
    for (HubFile file : files) {
      download(repo, commit, file, snapshot);
    }
    cache.recordRef(repo.repoId(), repo.revision(), commit);
    cache.markComplete(snapshot);
    return snapshot;
  }

  private Path cached(ModelSource.Hub repo) throws IOException {
    Optional<String> commit = cache.commitOf(repo.repoId(), repo.revision());
    Path snapshot = commit.map(c -> cache.snapshot(repo.repoId(), c)).orElse(null);
    if (snapshot == null || !cache.isComplete(snapshot)) {
      throw new IOException(
          "model "
              + repo
              + " is not in the cache "
              + settings.cacheDirectory()
              + " and HF_HUB_OFFLINE=1 forbids downloading it; unset HF_HUB_OFFLINE to fetch "
              + "it once, or point HF_HUB_CACHE/HF_HOME at a cache that has it");
    }
    return snapshot;
  }

  private List<HubFile> wantedFiles(ModelSource.Hub repo, JsonNode info) throws IOException {
    List<HubFile> files = new ArrayList<>();
    boolean weights = false;
    for (JsonNode sibling : info.path("siblings")) {
      String name = sibling.path("rfilename").asText("");
      if (!wanted(name)) {
        continue;
      }
      JsonNode lfs = sibling.path("lfs");
      long size = lfs.path("size").asLong(sibling.path("size").asLong(-1));
      Optional<String> sha = Optional.of(lfs.path("sha256").asText("")).filter(s -> !s.isEmpty());
      files.add(new HubFile(name, size, sha.map(s -> s.toLowerCase(Locale.ROOT))));
      weights |= name.endsWith(".safetensors");
    }
    if (!weights) {
      throw new IOException(
          repo
              + " has no .safetensors weights (Lathe loads safetensors only); pick a repository "
              + "or revision that has model.safetensors");
    }
    return files;
  }

  private void download(ModelSource.Hub repo, String commit, HubFile file, Path snapshot)
      throws IOException {
    Path target = snapshot.resolve(file.name());
    if (Files.isRegularFile(target)) {
      return; // verified when it was renamed into place
    }
    Path part = snapshot.resolve(file.name() + ".part");
    long have = Files.isRegularFile(part) ? Files.size(part) : 0;
    if (file.size() >= 0 && have > file.size()) {
      Files.delete(part);
      have = 0;
    }
    URI uri = resolveUri(repo, commit, file.name());
    HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri).GET());
    if (have > 0) {
      request.header("Range", "bytes=" + have + "-");
    }
    HttpResponse<InputStream> response =
        send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    int status = response.statusCode();
    boolean append;
    if (status == 206) {
      String range = response.headers().firstValue("Content-Range").orElse("");
      if (!range.startsWith("bytes " + have + "-")) {
        response.body().close();
        throw new IOException(
            uri
                + " answered the resume request from byte "
                + have
                + " with Content-Range '"
                + range
                + "'; delete "
                + part
                + " to start over");
      }
      append = true;
    } else if (status == 200) {
      append = false;
    } else if (status == 416 && have > 0) {
      response.body().close();
      Files.delete(part); // the partial file does not fit the remote one: start over
      download(repo, commit, file, snapshot);
      return;
    } else {
      String body = new String(response.body().readNBytes(300), StandardCharsets.UTF_8);
      throw failure(repo, uri, status, body);
    }
    Optional<String> expected =
        file.sha256().or(() -> linkedEtag(response.headers().firstValue("X-Linked-Etag")));
    copy(response.body(), part, append, file.name(), uri);
    verify(file, part, expected, uri);
    try (FileChannel channel = FileChannel.open(part, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void copy(InputStream body, Path part, boolean append, String name, URI uri)
      throws IOException {
    StandardOpenOption mode =
        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
    long written = 0;
    try (InputStream in = body;
        OutputStream out =
            Files.newOutputStream(
                part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        out.write(buffer, 0, n);
        written += n;
      }
    } catch (IOException e) {
      throw new IOException(
          "download of "
              + name
              + " from "
              + uri
              + " was interrupted after "
              + written
              + " more bytes ("
              + e.getMessage()
              + "); run again to resume from "
              + part,
          e);
    }
  }

  private static void verify(HubFile file, Path part, Optional<String> expected, URI uri)
      throws IOException {
    long size = Files.size(part);
    if (file.size() >= 0 && size != file.size()) {
      Files.delete(part);
      throw new IOException(
          file.name()
              + " from "
              + uri
              + " has "
              + size
              + " bytes but the Hub lists "
              + file.size()
              + "; the download was deleted, run again to retry");
    }
    if (expected.isPresent()) {
      String actual = sha256(part);
      if (!actual.equals(expected.get())) {
        Files.delete(part);
        throw new IOException(
            file.name()
                + " from "
                + uri
                + " fails its checksum: sha256 "
                + actual
                + " but the Hub reports "
                + expected.get()
                + "; the corrupted download was "
                + "deleted, run again to retry (if it repeats, the server or mirror is serving a "
                + "bad copy)");
      }
    }
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK always provides SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** The sha256 in an {@code X-Linked-Etag} header ({@code "…"} or {@code W/"…"}), if any. */
  static Optional<String> linkedEtag(Optional<String> header) {
    return header
        .map(h -> h.replaceFirst("^W/", "").replace("\"", "").trim().toLowerCase(Locale.ROOT))
        .filter(h -> SHA256.matcher(h).matches());
  }

  private JsonNode getJson(ModelSource.Hub repo, URI uri) throws IOException {
    HttpRequest request =
        authorized(HttpRequest.newBuilder(uri).header("Accept", "application/json").GET()).build();
    HttpResponse<String> response =
        send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (response.statusCode() != 200) {
      throw failure(repo, uri, response.statusCode(), response.body());
    }
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new IOException("the Hub's answer at " + uri + " is not JSON: " + e.getMessage(), e);
    }
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException {
    try {
      return client.send(request, handler);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while requesting " + request.uri(), e);
    } catch (IOException e) {
      throw new IOException(
          "cannot reach "
              + request.uri()
              + " ("
              + e.getMessage()
              + "); check the network or "
              + "HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use the cache",
          e);
    }
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
    settings.token().ifPresent(token -> builder.header("Authorization", "Bearer " + token));
    return builder;
  }

  private IOException failure(ModelSource.Hub repo, URI uri, int status, String body) {
    String snippet = body.length() > 200 ? body.substring(0, 200) + "…" : body;
    String hint =
        switch (status) {
          case 401, 403 ->
              settings.token().isPresent()
                  ? "the token in HF_TOKEN has no access to "
                      + repo.repoId()
                      + " (gated: accept its terms on the Hub)"
                  : repo.repoId() + " is gated or private: set HF_TOKEN to a token with access";
          case 404 ->
              "no model "
                  + repo.repoId()
                  + " at revision "
                  + repo.revision()
                  + " on "
                  + settings.endpoint()
                  + "; check the repo id and revision";
          default -> "the Hub answered HTTP " + status;
        };
    return new IOException(hint + " (GET " + uri + " → " + status + ": " + snippet.strip() + ")");
  }

  private URI apiUri(ModelSource.Hub repo) {
    return URI.create(
        settings.endpoint()
            + "/api/models/"
            + repo.repoId()
            + "/revision/"
            + encode(repo.revision())
            + "?blobs=true");
  }

  private URI resolveUri(ModelSource.Hub repo, String commit, String file) {
    return URI.create(
        settings.endpoint() + "/" + repo.repoId() + "/resolve/" + commit + "/" + encode(file));
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
