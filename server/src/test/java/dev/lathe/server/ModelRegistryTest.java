package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.ServerSchema;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path dir;

  private FineTunedModels rows;

  private ModelRegistry registry(long budget) throws SQLException {
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    var db = JdbcDataSources.sqlite(dir.resolve("t.db"));
    ServerSchema.migrate(db, false, InstantSource.fixed(Instant.EPOCH));
    rows = new FineTunedModels(db);
    return new ModelRegistry(
        Map.of("stories", stories.toString(), "tiny", tiny.toString()),
        Map.of("gpt-4o-mini-2024-07-18", "stories"),
        rows,
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir, true),
        budget);
  }

  @Test
  void aConfiguredModelWhoseFileCannotBeLoadedIsAServerErrorNamingTheFile() throws Exception {
    Path broken = dir.resolve("broken.bin");
    java.nio.file.Files.write(broken, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    var db = JdbcDataSources.sqlite(dir.resolve("b.db"));
    ServerSchema.migrate(db, false, InstantSource.fixed(Instant.EPOCH));
    try (ModelRegistry registry =
        new ModelRegistry(
            Map.of("broken", broken.toString()),
            Map.of(),
            new FineTunedModels(db),
            new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir, true),
            Long.MAX_VALUE)) {
      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(() -> registry.acquire("broken"))
            .isInstanceOfSatisfying(
                ApiException.class,
                e -> {
                  assertThat(e.status()).isEqualTo(500);
                  assertThat(e.code()).isEqualTo("model_load_failed");
                  assertThat(e.getMessage())
                      .contains("`broken`", broken.toString(), "cannot be loaded: ");
                });
        assertThat(registry.loadedBases()).isEmpty();
      }
    }
  }

  @Test
  void aliasesAndFineTunesShareTheirBasesWeights() throws Exception {
    try (ModelRegistry registry = registry(Long.MAX_VALUE)) {
      Caller caller = new Caller("p", false);
      assertThat(registry.resolve("gpt-4o-mini-2024-07-18", caller).orElseThrow().base())
          .isEqualTo("stories");
      var first = registry.acquire("stories");
      first.close();
      var second = registry.acquire("stories");
      assertThat(second.model()).isSameAs(first.model());
      second.close();
      assertThat(registry.resolve("nope", caller)).isEmpty();
    }
  }

  @Test
  void loadingPastTheBudgetEvictsTheLeastRecentlyUsedIdleModel() throws Exception {
    long stories =
        ModelRegistry.residentEstimate(
            SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString());
    try (ModelRegistry registry = registry(stories + 1)) {
      registry.acquire("stories").close();
      assertThat(registry.loadedBases()).containsExactly("stories");
      try (var held = registry.acquire("tiny")) {
        assertThat(registry.loadedBases()).containsExactly("tiny");
        // a model in use is never evicted, even over budget
        registry.acquire("stories").close();
        assertThat(registry.loadedBases()).containsExactlyInAnyOrder("tiny", "stories");
      }
    }
  }

  /** A random rank-4 adapter over TinyStories-656K as fine-tune {@code id} of base "tiny". */
  private ModelRegistry.Resolved fineTune(String id, long seed) throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    LoraConfig lora = LoraConfig.of(4, 8, 0);
    Path out = dir.resolve(id.replace(':', '_'));
    FineTuneFiles.writeAdapter(
        out, FineTuneFiles.randomLora(ModelLoader.load(tiny), lora, seed), lora);
    rows.insert(
        new FineTunedModels.Row(id, "p", Instant.ofEpochSecond(1), "tiny", out.toString(), null));
    return new ModelRegistry.Resolved(id, "tiny", out);
  }

  @Test
  void adaptersAreLoadedOnceBesideTheirBaseCountedAndForgotten() throws Exception {
    try (ModelRegistry registry = registry(Long.MAX_VALUE)) {
      ModelRegistry.Resolved ft = fineTune("ft:tiny:p:a:1", 1);
      assertThat(registry.resolve("ft:tiny:p:a:1", new Caller("p", false))).contains(ft);
      long base;
      dev.lathe.inference.ChatModel baseModel;
      try (var lease = registry.acquire("tiny")) {
        base = registry.loadedBytes();
        baseModel = lease.model();
      }
      try (var first = registry.acquire(ft)) {
        assertThat(first.model()).isNotSameAs(baseModel);
        assertThat(first.model().tokenizer()).isSameAs(baseModel.tokenizer());
      }
      var lease = registry.acquire(ft);
      var model = lease.model();
      lease.close();
      try (var again = registry.acquire(ft)) {
        assertThat(again.model()).isSameAs(model); // read once, then reused
      }
      assertThat(registry.loadedFineTunes("tiny")).containsExactly(ft.id());
      // 2 layers x 7 projections of rank 4: r·(in + 2·out) floats each (A, B and the Bᵀ decode
      // reads)
      long adapter =
          4L
              * 4
              * 2
              * ((128 + 2 * 128)
                  + 2 * (128 + 2 * 64)
                  + (128 + 2 * 128)
                  + 2 * (128 + 2 * 384)
                  + (384 + 2 * 128));
      assertThat(registry.loadedBytes()).isEqualTo(base + adapter);
      registry.forget(ft.id());
      assertThat(registry.loadedFineTunes("tiny")).isEmpty();
      assertThat(registry.loadedBytes()).isEqualTo(base);
      assertThat(registry.loadedBases()).containsExactly("tiny");
    }
  }

  @Test
  void evictingABaseDropsItsAdapters() throws Exception {
    long tiny =
        ModelRegistry.residentEstimate(
            SharedAssets.require("models/hf-TinyStories-656K").toString());
    try (ModelRegistry registry = registry(tiny + 200_000)) {
      ModelRegistry.Resolved ft = fineTune("ft:tiny:p:b:2", 2);
      registry.acquire(ft).close();
      assertThat(registry.loadedFineTunes("tiny")).containsExactly(ft.id());
      registry.acquire("stories").close(); // does not fit beside tiny: tiny goes, and its adapter
      assertThat(registry.loadedBases()).containsExactly("stories");
      assertThat(registry.loadedFineTunes("tiny")).isEmpty();
      registry.acquire(ft).close(); // loads both again
      assertThat(registry.loadedBases()).containsExactly("tiny");
      assertThat(registry.loadedFineTunes("tiny")).containsExactly(ft.id());
    }
  }

  @Test
  void aFineTuneThatCannotBeServedIsA404NamingWhy() throws Exception {
    try (ModelRegistry registry = registry(Long.MAX_VALUE)) {
      var gone = new ModelRegistry.Resolved("ft:tiny:p:c:3", "tiny", dir.resolve("nothing"));
      assertThatThrownBy(() -> registry.acquire(gone))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404))
          .hasMessageContaining("ft:tiny:p:c:3")
          .hasMessageContaining("no longer exists");
      ModelRegistry.Resolved ft = fineTune("ft:stories:p:d:4", 4);
      var wrongBase = new ModelRegistry.Resolved(ft.id(), "stories", ft.adapterDir());
      assertThatThrownBy(() -> registry.acquire(wrongBase))
          .isInstanceOf(ApiException.class)
          .hasMessageContaining("lora_A.weight")
          .hasMessageContaining("different base model");
      var unconfigured = new ModelRegistry.Resolved(ft.id(), "gpt-5", ft.adapterDir());
      assertThatThrownBy(() -> registry.acquire(unconfigured))
          .hasMessageContaining("base model `gpt-5` is not configured");
    }
  }
}
