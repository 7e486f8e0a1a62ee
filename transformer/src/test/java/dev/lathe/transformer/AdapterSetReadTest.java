package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Bf16;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT adapter directories read by {@link AdapterSet#read} and bound by a model: the values and
 * scale of the file, and a clear error for each way an adapter does not fit.
 */
class AdapterSetReadTest {
  @TempDir Path dir;

  private static final LlamaConfig CONFIG = TinyModels.config("llama"); // dim 32, 2 layers

  /** q_proj and down_proj of layer {@code layer} at rank 2, with the given in/out sizes. */
  private static Map<String, SafetensorsWriter.Tensor> tensors(int layer, int dim, int hidden) {
    SplittableRandom r = new SplittableRandom(3);
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    String q = LoraModules.llama(layer, "q_proj");
    String down = LoraModules.llama(layer, "down_proj");
    t.put(LoraModules.loraA(q), tensor(r, 2, dim));
    t.put(LoraModules.loraB(q), tensor(r, CONFIG.queryDim(), 2));
    t.put(LoraModules.loraA(down), tensor(r, 2, hidden));
    t.put(LoraModules.loraB(down), tensor(r, dim, 2));
    return t;
  }

  private static SafetensorsWriter.Tensor tensor(SplittableRandom r, int rows, int cols) {
    return new SafetensorsWriter.Tensor(
        new long[] {rows, cols}, TinyModels.random(r, rows * cols, 0.3f));
  }

  private Path write(String name, Map<String, SafetensorsWriter.Tensor> tensors, String config)
      throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    SafetensorsWriter.write(
        d.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"), DType.BF16);
    Files.writeString(d.resolve("adapter_config.json"), config);
    return d;
  }

  private static String config(String extra) {
    return "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 16, \"target_modules\":"
        + " [\"q_proj\", \"down_proj\"], \"bias\": \"none\", \"modules_to_save\": null"
        + extra
        + "}";
  }

  @Test
  void readsWhatPeftWritesWithItsScaleAndBindsIt() throws IOException {
    AdapterSet set = AdapterSet.read(write("a", tensors(1, 32, 48), config("")));
    assertThat(set.modules())
        .containsExactly("model.layers.1.mlp.down_proj", "model.layers.1.self_attn.q_proj");
    assertThat(set.maxRank()).isEqualTo(2);
    LlamaModel base = new LlamaModel(CONFIG, TinyModels.llama(CONFIG, 1));
    float[] plain = TinyModels.logits(base);
    assertThat(TinyModels.logits(base.withAdapters(set))).isNotEqualTo(plain);
    // the file is bf16: the same tensors rounded, given in memory, give the same logits
    Map<String, SafetensorsWriter.Tensor> rounded = new LinkedHashMap<>();
    tensors(1, 32, 48)
        .forEach(
            (k, t) -> {
              float[] v = t.data().clone();
              for (int i = 0; i < v.length; i++) {
                v[i] = Bf16.toFloat(Bf16.fromFloat(v[i]));
              }
              rounded.put(k, new SafetensorsWriter.Tensor(t.shape(), v));
            });
    assertThat(TinyModels.logits(base.withAdapters(AdapterSet.of("mem", rounded, 16, false))))
        .containsExactly(TinyModels.logits(base.withAdapters(set)));
    AdapterSet rs =
        AdapterSet.read(write("rs", tensors(1, 32, 48), config(", \"use_rslora\": true")));
    assertThat(TinyModels.logits(base.withAdapters(rs)))
        .isNotEqualTo(TinyModels.logits(base.withAdapters(set)));
  }

  @Test
  void aMissingFileIsNamed() throws IOException {
    Path d = write("nofile", tensors(0, 32, 48), config(""));
    Files.delete(d.resolve("adapter_model.safetensors"));
    assertThatThrownBy(() -> AdapterSet.read(d))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("adapter_model.safetensors");
    assertThatThrownBy(() -> AdapterSet.read(dir.resolve("gone")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("adapter_config.json");
  }

  @Test
  void aModuleTheBaseDoesNotHaveIsNamed() throws IOException {
    AdapterSet set = AdapterSet.read(write("deep", tensors(5, 32, 48), config("")));
    LlamaModel base = new LlamaModel(CONFIG, TinyModels.llama(CONFIG, 1));
    assertThatThrownBy(() -> base.withAdapters(set))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model.layers.5.")
        .hasMessageContaining("does not have");
    Gpt2Model gpt2 =
        new Gpt2Model(TinyModels.gpt2Config(), TinyModels.gpt2(TinyModels.gpt2Config(), 2));
    AdapterSet llamaSet = AdapterSet.read(write("fam", tensors(0, 32, 48), config("")));
    assertThatThrownBy(() -> gpt2.withAdapters(llamaSet))
        .hasMessageContaining("GPT-2")
        .hasMessageContaining("model.layers.0.");
  }

  @Test
  void anAdapterForAnotherHiddenSizeNamesTheTensorAndBothShapes() throws IOException {
    AdapterSet set = AdapterSet.read(write("wide", tensors(0, 64, 48), config("")));
    LlamaModel base = new LlamaModel(CONFIG, TinyModels.llama(CONFIG, 1));
    assertThatThrownBy(() -> base.withAdapters(set))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        .hasMessageContaining("[2, 64]")
        .hasMessageContaining("[2, 32]")
        .hasMessageContaining("different base model");
  }

  @Test
  void badFilesAreRefusedWithTheReason() throws IOException {
    assertThatThrownBy(() -> AdapterSet.read(write("json", tensors(0, 32, 48), "{\"r\": 2,")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("adapter_config.json");
    Map<String, SafetensorsWriter.Tensor> onlyA = tensors(0, 32, 48);
    onlyA.remove(LoraModules.loraB(LoraModules.llama(0, "q_proj")));
    assertThatThrownBy(() -> AdapterSet.read(write("half", onlyA, config(""))))
        .hasMessageContaining("no tensor base_model.model.model.layers.0.self_attn.q_proj.lora_B");
    Map<String, SafetensorsWriter.Tensor> extra = tensors(0, 32, 48);
    extra.put("base_model.model.lm_head.weight", tensor(new SplittableRandom(1), 2, 2));
    assertThatThrownBy(() -> AdapterSet.read(write("extra", extra, config(""))))
        .hasMessageContaining("lm_head.weight is not a LoRA matrix");
    assertThatThrownBy(
            () ->
                AdapterSet.read(write("dora", tensors(0, 32, 48), config(", \"use_dora\": true"))))
        .hasMessageContaining("DoRA");
    assertThatThrownBy(
            () ->
                AdapterSet.read(
                    write(
                        "ia3", tensors(0, 32, 48), "{\"peft_type\": \"IA3\", \"lora_alpha\": 1}")))
        .hasMessageContaining("peft_type is IA3");
    assertThatThrownBy(
            () ->
                AdapterSet.read(
                    write(
                        "pattern",
                        tensors(0, 32, 48),
                        config(", \"alpha_pattern\": {\"q_proj\": 4}"))))
        .hasMessageContaining("alpha_pattern");
  }
}
