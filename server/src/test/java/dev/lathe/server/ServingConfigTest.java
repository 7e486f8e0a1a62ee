package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.inference.HubSettings;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.ServerSchema;
import dev.lathe.server.store.StoreCache;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config's {@code serving.weight_dtype} and {@code serving.kv_cache_dtype}: how served base
 * models and their caches are held in memory.
 */
class ServingConfigTest {
  @TempDir Path dir;

  private ServerConfig read(String json) throws IOException {
    Path file = dir.resolve("lathe.json");
    Files.writeString(file, json);
    return ServerConfig.read(file, ServerConfig.defaults(null));
  }

  @Test
  void weightDtypeQ8LoadsServedBasesQuantized() throws IOException {
    ServerConfig config = read("{\"serving\": {\"weight_dtype\": \"q8_0\"}}");
    assertThat(config.serving().loadOptions()).isEqualTo(LoadOptions.weights(DType.Q8_0));
    assertThat(read("{\"serving\": {\"weight_dtype\": \"q4_0\"}}").serving().loadOptions())
        .isEqualTo(LoadOptions.weights(DType.Q4_0));
    // the other settings keep their values
    assertThat(config.withPort(0).serving()).isEqualTo(config.serving());
  }

  @Test
  void theRegistryServesABaseHeldAsTheConfigSays() throws Exception {
    ServerConfig config = read("{\"serving\": {\"weight_dtype\": \"Q8_0\"}}");
    assertThat(((LlamaModel) served(config)).weightDtype()).isEqualTo(DType.Q8_0);
  }

  /** The model a registry configured by {@code config} serves for stories260K. */
  private LanguageModel served(ServerConfig config) throws Exception {
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    var db = JdbcDataSources.sqlite(dir.resolve("t.db"));
    ServerSchema.migrate(db, false, InstantSource.fixed(Instant.EPOCH));
    try (ModelRegistry registry =
            new ModelRegistry(
                Map.of("stories", stories.toString()),
                Map.of(),
                new FineTunedModels(db),
                new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir, true),
                Long.MAX_VALUE,
                StoreCache.pathsOnly(),
                config.serving().loadOptions());
        ModelRegistry.Lease lease = registry.acquire("stories")) {
      return lease.model().model();
    }
  }

  @Test
  void withoutServingEachCheckpointKeepsItsOwnDtype() throws IOException {
    assertThat(read("{}").serving().loadOptions()).isEqualTo(LoadOptions.DEFAULT);
  }

  @Test
  void eachServingFieldLeftOutKeepsItsDefault() throws IOException {
    ServerConfig.Serving batchOnly = read("{\"serving\": {\"max_batch\": 2}}").serving();
    assertThat(batchOnly.maxBatch()).isEqualTo(2);
    assertThat(batchOnly.weightDtype()).isNull();
    assertThat(batchOnly.prefixCacheBytes())
        .isEqualTo(ServerConfig.Serving.DEFAULT.prefixCacheBytes());
    ServerConfig.Serving dtypeOnly = read("{\"serving\": {\"weight_dtype\": \"bf16\"}}").serving();
    assertThat(dtypeOnly.maxBatch()).isEqualTo(ServerConfig.Serving.DEFAULT.maxBatch());
    assertThatThrownBy(() -> read("{\"serving\": {\"max_batch\": 0}}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("serving.max_batch is 0");
  }

  @Test
  void mmapIsOffByDefaultAndTheConfigCanTurnItOn() throws IOException {
    assertThat(read("{}").serving().mmap()).isFalse();
    assertThat(read("{}").serving().loadOptions().mapWeights()).isFalse();
    ServerConfig.Serving on = read("{\"serving\": {\"mmap\": true}}").serving();
    assertThat(on.loadOptions()).isEqualTo(LoadOptions.DEFAULT.mapped(true));
    assertThat(on.withWeightDtype("bf16").loadOptions())
        .isEqualTo(LoadOptions.weights(DType.BF16).mapped(true));
    assertThat(read("{}").serving().withMmap(true)).isEqualTo(on);
  }

  @Test
  void anUnknownWeightDtypeIsRefusedNamingTheFieldAndTheChoices() {
    assertThatThrownBy(() -> read("{\"serving\": {\"weight_dtype\": \"q4_k\"}}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("serving.weight_dtype q4_k is not a weight type")
        .hasMessageContaining("use f32, bf16, q8_0 or q4_0");
  }

  @Test
  void kvCacheDtypeBf16ServesBasesWhoseCachesHoldBf16() throws Exception {
    assertThat(read("{}").serving().loadOptions().kvDtype()).isEqualTo(KvDtype.F32);
    ServerConfig config = read("{\"serving\": {\"kv_cache_dtype\": \"BF16\"}}");
    assertThat(config.serving().loadOptions())
        .isEqualTo(LoadOptions.DEFAULT.withKvDtype(KvDtype.BF16));
    assertThat(config.serving().withWeightDtype("q8_0").loadOptions())
        .isEqualTo(LoadOptions.weights(DType.Q8_0).withKvDtype(KvDtype.BF16));
    assertThat(served(config).kvDtype()).isEqualTo(KvDtype.BF16);
    assertThatThrownBy(() -> read("{\"serving\": {\"kv_cache_dtype\": \"q8_0\"}}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("serving.kv_cache_dtype q8_0 is not a key/value cache type")
        .hasMessageContaining("use f32 or bf16");
  }

  @Test
  void anUnknownServingKeyIsRefusedByName() {
    assertThatThrownBy(() -> read("{\"serving\": {\"dtype\": \"q8_0\"}}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("dtype");
  }
}
