package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloaderTest {
  private static final ModelSource.Hub REPO = new ModelSource.Hub("lathe-test/tiny-model", "main");

  @TempDir Path temp;
  private Path repoDir;
  private Path cacheDir;
  private LocalHub hub;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void buildRepository() throws IOException {
    repoDir = Files.createDirectories(temp.resolve("repo"));
    cacheDir = temp.resolve("cache");
    Files.writeString(repoDir.resolve("config.json"), "{\"model_type\":\"llama\"}");
    Files.writeString(repoDir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"BPE\"}}");
    Files.writeString(repoDir.resolve("README.md"), "# not needed");
    Files.writeString(repoDir.resolve("pytorch_model.bin"), "not needed either");
    byte[] weights = new byte[300_000];
    new Random(1).nextBytes(weights);
    Files.write(repoDir.resolve("model.safetensors"), weights);
    hub = new LocalHub(REPO.repoId(), repoDir, Set.of("model.safetensors"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private HubDownloader downloader(Optional<String> token, boolean offline) {
    return new HubDownloader(new HubSettings(hub.endpoint(), token, cacheDir, offline), client);
  }

  private HubDownloader downloader() {
    return downloader(Optional.empty(), false);
  }

  @Test
  void downloadsConfigTokenizerAndWeightsIntoASnapshotPinnedToTheCommit() throws IOException {
    Path snapshot = downloader().fetch(REPO);
    assertThat(snapshot)
        .isEqualTo(cacheDir.resolve("models--lathe-test--tiny-model/snapshots/" + LocalHub.COMMIT));
    for (String name : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
      assertThat(snapshot.resolve(name)).hasSameBinaryContentAs(repoDir.resolve(name));
    }
    assertThat(snapshot.resolve("README.md")).doesNotExist();
    assertThat(snapshot.resolve("pytorch_model.bin")).doesNotExist();
    assertThat(cacheDir.resolve("models--lathe-test--tiny-model/refs/main"))
        .hasContent(LocalHub.COMMIT);
    // a second fetch asks the API for the commit and downloads nothing
    hub.requests.clear();
    assertThat(downloader().fetch(REPO)).isEqualTo(snapshot);
    assertThat(hub.requests).singleElement().asString().startsWith("/api/models/");
  }

  @Test
  void shardedWeightsComeWithTheirIndex() throws IOException {
    hub.close();
    Files.move(
        repoDir.resolve("model.safetensors"), repoDir.resolve("model-00001-of-00002.safetensors"));
    Files.write(repoDir.resolve("model-00002-of-00002.safetensors"), new byte[] {1, 2, 3});
    Files.writeString(repoDir.resolve("model.safetensors.index.json"), "{\"weight_map\":{}}");
    Files.writeString(repoDir.resolve("training_args.bin"), "not needed");
    hub =
        new LocalHub(
            REPO.repoId(),
            repoDir,
            Set.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"));
    Path snapshot = downloader().fetch(REPO);
    try (var files = Files.list(snapshot)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .containsExactly(
              ".complete",
              "config.json",
              "model-00001-of-00002.safetensors",
              "model-00002-of-00002.safetensors",
              "model.safetensors.index.json",
              "tokenizer.json");
    }
  }

  @Test
  void anInterruptedDownloadResumesWithARangeRequest() throws IOException {
    hub.cutAfterHalfOf = "model.safetensors";
    assertThatThrownBy(() -> downloader().fetch(REPO))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("run again to resume");
    Path snapshot = cacheDir.resolve("models--lathe-test--tiny-model/snapshots/" + LocalHub.COMMIT);
    Path part = snapshot.resolve("model.safetensors.part");
    long kept = Files.size(part);
    assertThat(kept).isPositive().isLessThan(300_000);
    assertThat(snapshot.resolve("model.safetensors")).doesNotExist();

    downloader().fetch(REPO);
    assertThat(hub.rangeHeaders).containsEntry("model.safetensors", "bytes=" + kept + "-");
    assertThat(snapshot.resolve("model.safetensors"))
        .hasSameBinaryContentAs(repoDir.resolve("model.safetensors"));
    assertThat(part).doesNotExist();
  }

  @Test
  void aCorruptedFileFailsItsChecksumAndIsNotKept() {
    hub.corrupt = "model.safetensors";
    assertThatThrownBy(() -> downloader().fetch(REPO))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("model.safetensors")
        .hasMessageContaining("fails its checksum")
        .hasMessageContaining("sha256");
    Path snapshot = cacheDir.resolve("models--lathe-test--tiny-model/snapshots/" + LocalHub.COMMIT);
    assertThat(snapshot.resolve("model.safetensors")).doesNotExist();
    assertThat(snapshot.resolve("model.safetensors.part")).doesNotExist();
  }

  @Test
  void theLinkedEtagHeaderChecksFilesTheListingGivesNoChecksumFor() throws IOException {
    hub.listLfsChecksums = false;
    hub.corrupt = "model.safetensors";
    assertThatThrownBy(() -> downloader().fetch(REPO)).hasMessageContaining("fails its checksum");
    hub.corrupt = null;
    Path snapshot = downloader().fetch(REPO);
    assertThat(snapshot.resolve("model.safetensors"))
        .hasSameBinaryContentAs(repoDir.resolve("model.safetensors"));
  }

  @Test
  void offlineUsesTheCacheOnlyAndSaysSoWhenTheModelIsMissing() throws IOException {
    assertThatThrownBy(() -> downloader(Optional.empty(), true).fetch(REPO))
        .hasMessageContaining("not in the cache")
        .hasMessageContaining("HF_HUB_OFFLINE");
    assertThat(hub.requests).isEmpty();
    Path snapshot = downloader().fetch(REPO);
    hub.close();
    assertThat(downloader(Optional.empty(), true).fetch(REPO)).isEqualTo(snapshot);
  }

  @Test
  void sendsTheTokenAsABearerAndExplainsA401() throws IOException {
    hub.requiredToken = "hf_secret";
    assertThatThrownBy(() -> downloader().fetch(REPO))
        .hasMessageContaining("set HF_TOKEN")
        .hasMessageContaining("401");
    Path snapshot = downloader(Optional.of("hf_secret"), false).fetch(REPO);
    assertThat(snapshot.resolve("config.json")).exists();
  }

  @Test
  void anUnknownRepositoryIsA404WithTheRepoInTheMessage() {
    ModelSource.Hub missing = new ModelSource.Hub("lathe-test/missing", "main");
    assertThatThrownBy(() -> downloader().fetch(missing))
        .hasMessageContaining("no model lathe-test/missing at revision main");
  }

  @Test
  void aRepositoryWithoutSafetensorsIsRefused() throws IOException {
    Files.delete(repoDir.resolve("model.safetensors"));
    assertThatThrownBy(() -> downloader().fetch(REPO))
        .hasMessageContaining("has no .safetensors weights");
  }

  @Test
  void settingsComeFromTheHuggingFaceEnvironmentVariables() {
    Path home = Path.of("/home/someone");
    HubSettings defaults = HubSettings.fromEnvironment(java.util.Map.of(), home);
    assertThat(defaults.endpoint()).isEqualTo(HubSettings.DEFAULT_ENDPOINT);
    assertThat(defaults.cacheDirectory()).isEqualTo(home.resolve(".cache/huggingface/hub"));
    assertThat(defaults.offline()).isFalse();
    assertThat(defaults.token()).isEmpty();
    HubSettings mirror =
        HubSettings.fromEnvironment(
            java.util.Map.of(
                "HF_ENDPOINT", "https://hf-mirror.example/",
                "HF_HOME", "/data/hf",
                "HF_TOKEN", "hf_x",
                "HF_HUB_OFFLINE", "1"),
            home);
    assertThat(mirror.endpoint()).hasToString("https://hf-mirror.example");
    assertThat(mirror.cacheDirectory()).isEqualTo(Path.of("/data/hf/hub"));
    assertThat(mirror.token()).contains("hf_x");
    assertThat(mirror.offline()).isTrue();
    assertThatThrownBy(
            () -> HubSettings.fromEnvironment(java.util.Map.of("HF_ENDPOINT", "ftp://x"), home))
        .hasMessageContaining("HF_ENDPOINT");
  }

  @Test
  void modelArgumentsAreLocalPathsOrRepoIds() throws IOException {
    assertThat(ModelSource.parse(repoDir.toString())).isEqualTo(new ModelSource.Local(repoDir));
    assertThat(ModelSource.parse("HuggingFaceTB/SmolLM2-135M"))
        .isEqualTo(new ModelSource.Hub("HuggingFaceTB/SmolLM2-135M", "main"));
    assertThat(ModelSource.parse("org/name@v1.0"))
        .isEqualTo(new ModelSource.Hub("org/name", "v1.0"));
    assertThatThrownBy(() -> ModelSource.parse("/no/such/dir"))
        .hasMessageContaining("does not exist on disk");
    assertThatThrownBy(() -> ModelSource.parse("a/b/c")).hasMessageContaining("check the path");
    assertThat(HubDownloader.linkedEtag(Optional.of("W/\"" + "ab".repeat(32) + "\"")))
        .contains("ab".repeat(32));
    assertThat(
            new String(Files.readAllBytes(repoDir.resolve("config.json")), StandardCharsets.UTF_8))
        .contains("llama");
  }
}
