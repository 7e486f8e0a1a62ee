package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Bf16;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each family saved as a Hugging Face directory and loaded back through {@link ModelLoader}: F32
 * gives bit-identical logits; BF16 gives exactly the logits of the same model with every weight
 * rounded to bf16 first.
 */
class HfRoundTripTest {

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
  void llamaFamilyRoundTripsBitExactInF32AndExactlyToRoundedWeightsInBf16(
      String type, @TempDir Path dir) throws Exception {
    LlamaConfig c = TinyModels.config(type);
    LlamaWeights w = TinyModels.llama(c, type.hashCode());
    LlamaModel original = new LlamaModel(c, w);

    HfCheckpointWriter.save(dir.resolve("f32"), type, c, w, DType.F32);
    LoadedModel f32 = ModelLoader.load(dir.resolve("f32"));
    assertThat(f32.modelType()).isEqualTo(type);
    assertThat(f32.config()).isEqualTo(c);
    assertThat(TinyModels.logits(f32.model())).containsExactly(TinyModels.logits(original));

    HfCheckpointWriter.save(dir.resolve("bf16"), type, c, w, DType.BF16);
    LoadedModel bf16 = ModelLoader.load(dir.resolve("bf16"));
    LlamaModel rounded = new LlamaModel(c, roundToBf16(w));
    assertThat(TinyModels.logits(bf16.model())).containsExactly(TinyModels.logits(rounded));
  }

  @Test
  void gpt2RoundTripsBitExactInF32AndExactlyToRoundedWeightsInBf16(@TempDir Path dir)
      throws Exception {
    Gpt2Config c = TinyModels.gpt2Config();
    Gpt2Weights w = TinyModels.gpt2(c, 7);
    Gpt2Model original = new Gpt2Model(c, w);

    HfCheckpointWriter.save(dir.resolve("f32"), c, w, DType.F32);
    LoadedModel f32 = ModelLoader.load(dir.resolve("f32"));
    assertThat(f32.modelType()).isEqualTo("gpt2");
    assertThat(f32.config()).isEqualTo(c);
    assertThat(TinyModels.logits(f32.model())).containsExactly(TinyModels.logits(original));

    HfCheckpointWriter.save(dir.resolve("bf16"), c, w, DType.BF16);
    Gpt2Weights r = roundToBf16(w);
    assertThat(TinyModels.logits(ModelLoader.load(dir.resolve("bf16")).model()))
        .containsExactly(TinyModels.logits(new Gpt2Model(c, r)));
  }

  @Test
  void tiedCheckpointStoringOnlyLmHeadWithoutAnAliasStillLoads(@TempDir Path dir) throws Exception {
    LlamaConfig c = TinyModels.config("llama");
    LlamaWeights w = TinyModels.llama(c, 5);
    HfCheckpointWriter.save(dir, "llama", c, w, DType.F32);
    // rewrite the file with the embedding renamed to lm_head.weight and no metadata
    Map<String, SafetensorsWriter.Tensor> renamed = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
      f.tensors()
          .forEach(
              (name, info) ->
                  renamed.put(
                      name.equals("model.embed_tokens.weight") ? "lm_head.weight" : name,
                      new SafetensorsWriter.Tensor(info.shape(), f.floats(name))));
    }
    SafetensorsWriter.write(dir.resolve("model.safetensors"), renamed, Map.of(), DType.F32);
    assertThat(TinyModels.logits(ModelLoader.load(dir).model()))
        .containsExactly(TinyModels.logits(new LlamaModel(c, w)));
  }

  @Test
  void writerRefusesAModelTypeThatContradictsTheConfig(@TempDir Path dir) {
    LlamaConfig qwen3 = TinyModels.config("qwen3");
    assertThatThrownBy(
            () ->
                HfCheckpointWriter.save(dir, "llama", qwen3, TinyModels.llama(qwen3, 1), DType.F32))
        .hasMessageContaining("qwen3 has QK-norm");
  }

  private static float[] r(float[] a) {
    if (a == null) {
      return null;
    }
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Bf16.toFloat(Bf16.fromFloat(a[i]));
    }
    return out;
  }

  private static LlamaWeights roundToBf16(LlamaWeights w) {
    List<LlamaWeights.Layer<float[]>> layers =
        w.layers().stream()
            .map(
                l ->
                    new LlamaWeights.Layer<>(
                        r(l.attnNorm()),
                        r(l.wq()),
                        r(l.wk()),
                        r(l.wv()),
                        r(l.wo()),
                        r(l.bq()),
                        r(l.bk()),
                        r(l.bv()),
                        r(l.bo()),
                        r(l.qNorm()),
                        r(l.kNorm()),
                        r(l.ffnNorm()),
                        r(l.wGate()),
                        r(l.wUp()),
                        r(l.wDown())))
            .toList();
    float[] e = r(w.tokenEmbedding());
    boolean tied = w.classifier() == w.tokenEmbedding();
    return new LlamaWeights(e, layers, r(w.finalNorm()), tied ? e : r(w.classifier()));
  }

  private static Gpt2Weights roundToBf16(Gpt2Weights w) {
    List<Gpt2Weights.Layer<float[]>> layers =
        w.layers().stream()
            .map(
                l ->
                    new Gpt2Weights.Layer<>(
                        r(l.ln1Weight()),
                        r(l.ln1Bias()),
                        r(l.wQkv()),
                        r(l.bQkv()),
                        r(l.wProj()),
                        r(l.bProj()),
                        r(l.ln2Weight()),
                        r(l.ln2Bias()),
                        r(l.wFc()),
                        r(l.bFc()),
                        r(l.wFcProj()),
                        r(l.bFcProj())))
            .toList();
    return new Gpt2Weights(r(w.wte()), r(w.wpe()), layers, r(w.lnfWeight()), r(w.lnfBias()));
  }
}
