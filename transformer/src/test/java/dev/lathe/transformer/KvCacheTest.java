package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvCacheTest {

  private final LlamaConfig config = TinyModels.config("qwen2");
  private final LlamaModel model = new LlamaModel(config, TinyModels.llama(config, 3));

  @Test
  void truncatingToASharedPrefixAndContinuingEqualsAFreshRun() {
    int[] a = {5, 9, 14, 2, 33, 40};
    int[] b = {5, 9, 14, 7, 8};
    KvCache cache = model.newCache(16);
    float[] logits = new float[model.vocabularySize()];
    model.forward(a, 0, a.length, cache, logits);
    cache.truncate(3);
    model.forward(b, 3, 2, cache, logits);
    assertThat(cache.length()).isEqualTo(5);
    float[] fresh = new float[model.vocabularySize()];
    model.forward(b, 0, b.length, model.newCache(16), fresh);
    assertThat(logits).containsExactly(fresh);
  }

  @Test
  void misuseIsAClearError() {
    KvCache cache = model.newCache(4);
    float[] logits = new float[model.vocabularySize()];
    assertThatThrownBy(() -> model.forward(new int[5], 0, 5, cache, logits))
        .hasMessageContaining("cache holds 0 of 4 positions: 5 more do not fit");
    LlamaModel other = new LlamaModel(config, TinyModels.llama(config, 4));
    assertThatThrownBy(() -> other.forward(new int[1], 0, 1, cache, logits))
        .hasMessageContaining("not created by this model");
    assertThatThrownBy(() -> cache.truncate(1)).hasMessageContaining("cannot truncate");
    assertThatThrownBy(() -> model.newCache(config.contextLength() + 1))
        .hasMessageContaining("cache capacity must be in [1, 64]");
    assertThatThrownBy(() -> model.forward(new int[] {61}, 0, 1, cache, logits))
        .hasMessageContaining("token id 61 is outside the vocabulary");
  }

  @Test
  void modelLoaderReadsLlama2cCheckpointsAndRejectsTruncatedOnes(@TempDir Path dir)
      throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    LoadedModel m = ModelLoader.load(bin);
    assertThat(m.modelType()).isEqualTo("llama2c");
    LlamaConfig c = (LlamaConfig) m.config();
    assertThat(c.heads()).isEqualTo(8);
    assertThat(c.kvHeads()).isEqualTo(4);
    assertThat(c.vocabSize()).isEqualTo(512);
    byte[] bytes = Files.readAllBytes(bin);
    Path cut = dir.resolve("cut.bin");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> ModelLoader.load(cut)).hasMessageContaining("truncated");
    assertThatThrownBy(() -> ModelLoader.load(dir)).hasMessageContaining("needs config.json");
  }
}
