package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  @TempDir Path dir;

  private ModelRegistry registry(long budget) throws SQLException {
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    var db = JdbcDataSources.sqlite(dir.resolve("t.db"));
    ServerSchema.migrate(db, false, 0);
    return new ModelRegistry(
        Map.of("stories", stories.toString(), "tiny", tiny.toString()),
        Map.of("gpt-4o-mini-2024-07-18", "stories"),
        new FineTunedModels(db),
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir, true),
        budget);
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
}
