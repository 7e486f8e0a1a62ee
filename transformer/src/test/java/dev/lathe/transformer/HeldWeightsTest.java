package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Bf16;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models holding their matmul weights in bf16 compute exactly what f32 models holding the same
 * rounded values compute (the kernels widen bf16 to f32 in registers, exactly, then run the same
 * arithmetic), with half the bytes.
 */
class HeldWeightsTest {

  /** Big enough that prefill is one batched product and attention runs on the pool. */
  private static final LlamaConfig MEDIUM = DecodeAllocation.MEDIUM;

  @Test
  void bf16LlamaEqualsF32LlamaWithRoundedWeightsBitForBitInPrefillAndDecode() {
    for (LlamaConfig c :
        List.of(MEDIUM, TinyModels.config("qwen3"), TinyModels.config("mistral"))) {
      LlamaWeights w = TinyModels.llama(c, 21);
      LlamaModel bf16 = new LlamaModel(c, w, DType.BF16);
      LlamaModel rounded = new LlamaModel(c, roundMatrices(w));
      assertThat(bf16.weightDtype()).isEqualTo(DType.BF16);
      int prompt = Math.min(300, c.contextLength() - 12);
      assertClose(run(bf16, prompt, 12), run(rounded, prompt, 12), c.vocabSize());
      // the widened copy holds exactly the rounded values
      assertThat(bf16.weights().layers().get(1).wDown())
          .containsExactly(rounded.weights().layers().get(1).wDown());
    }
  }

  @Test
  void bf16Gpt2EqualsF32Gpt2WithRoundedWeightsBitForBit() {
    Gpt2Config c = new Gpt2Config(64, 128, 2, 4, 200, 400, 1e-5f);
    Gpt2Weights w = TinyModels.gpt2(c, 5);
    Gpt2Model bf16 = new Gpt2Model(c, w, DType.BF16);
    Gpt2Model rounded = new Gpt2Model(c, roundMatrices(w));
    assertClose(run(bf16, 280, 10), run(rounded, 280, 10), c.vocabSize());
  }

  @Test
  void bf16HalvesTheBytesOfTheMatmulWeights() {
    LlamaConfig c = MEDIUM;
    LlamaWeights w = TinyModels.llama(c, 3);
    long f32 = new LlamaModel(c, w).weightBytes();
    long bf16 = new LlamaModel(c, w, DType.BF16).weightBytes();
    long norms = 4L * c.dim() * (2L * c.layers() + 1); // stay f32
    // tied table (V, C) counted once, seven projections per block
    long matrices =
        (long) c.vocabSize() * c.dim()
            + c.layers()
                * (2L * c.queryDim() * c.dim()
                    + 2L * c.kvDim() * c.dim()
                    + 3L * c.hiddenDim() * c.dim());
    assertThat(f32).isEqualTo(4 * matrices + norms);
    assertThat(bf16).isEqualTo(2 * matrices + norms);

    Gpt2Config g = new Gpt2Config(64, 128, 2, 4, 200, 400, 1e-5f);
    Gpt2Weights gw = TinyModels.gpt2(g, 5);
    long g32 = new Gpt2Model(g, gw).weightBytes();
    long g16 = new Gpt2Model(g, gw, DType.BF16).weightBytes();
    long gm = 200L * 64 + 2L * (3 * 64 * 64 + 64 * 64 + 2 * 128 * 64);
    assertThat(g32 - g16).isEqualTo(2 * gm);
  }

  @Test
  void loaderHoldsTheCheckpointDtypeByDefaultAndTheRequestedOneWhenAsked(@TempDir Path dir)
      throws Exception {
    LlamaConfig c = TinyModels.config("qwen2");
    LlamaWeights w = TinyModels.llama(c, 9);
    HfCheckpointWriter.save(dir.resolve("bf16"), "qwen2", c, w, DType.BF16);
    HfCheckpointWriter.save(dir.resolve("f32"), "qwen2", c, w, DType.F32);
    assertThat(held(ModelLoader.load(dir.resolve("bf16")))).isEqualTo(DType.BF16);
    assertThat(held(ModelLoader.load(dir.resolve("f32")))).isEqualTo(DType.F32);
    LoadedModel forced = ModelLoader.load(dir.resolve("f32"), LoadOptions.weights(DType.BF16));
    assertThat(held(forced)).isEqualTo(DType.BF16);
    assertThat(TinyModels.logits(forced.model()))
        .containsExactly(TinyModels.logits(new LlamaModel(c, roundMatrices(w))));
    assertThat(held(ModelLoader.load(dir.resolve("bf16"), LoadOptions.weights(DType.F32))))
        .isEqualTo(DType.F32);
    // read straight into bf16 / Q8_0 a tensor at a time: the same model as rounding it whole
    LlamaModel stored = (LlamaModel) ModelLoader.load(dir.resolve("bf16")).model();
    LlamaWeights rounded = roundMatrices(w);
    assertThat(stored.weights().layers().get(1).wq()).containsExactly(rounded.layers().get(1).wq());
    assertThat(stored.weights().tokenEmbedding()).containsExactly(rounded.tokenEmbedding());
    assertThat(stored.weightBytes()).isEqualTo(new LlamaModel(c, w, DType.BF16).weightBytes());
    LoadedModel q8 = ModelLoader.load(dir.resolve("f32"), LoadOptions.weights(DType.Q8_0));
    assertThat(TinyModels.logits(q8.model()))
        .containsExactly(TinyModels.logits(new LlamaModel(c, w, DType.Q8_0)));
    assertThatThrownBy(() -> LoadOptions.weights(DType.F16))
        .hasMessageContaining("F16 is not supported");
  }

  /**
   * Equal within 1e-5 of each step's largest logit. The matmuls are bit-identical for bf16 and
   * widened f32 weights (same kernels, exact widening). The tolerance dates from when the tensor
   * module's RmsNorm, LayerNorm and Softmax vector paths summed lanes with {@code
   * reduceLanes(ADD)}, whose association changed once the JIT compiled them; they now sum in a
   * fixed order, so it may be tightened.
   */
  private static void assertClose(float[] actual, float[] expected, int v) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int s = 0; s < expected.length; s += v) {
      float max = 0;
      for (int i = s; i < s + v; i++) {
        max = Math.max(max, Math.abs(expected[i]));
      }
      for (int i = s; i < s + v; i++) {
        assertThat(actual[i])
            .as("logit %d of step %d", i - s, s / v)
            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f * max));
      }
    }
  }

  private static DType held(LoadedModel m) {
    return ((LlamaModel) m.model()).weightDtype();
  }

  /**
   * Logits after a prompt of {@code prompt} tokens and after each of {@code steps} decodes, one
   * after the other.
   */
  private static float[] run(LanguageModel m, int prompt, int steps) {
    int[] tokens = new int[prompt + steps];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i * 37 + 11) % m.vocabularySize();
    }
    KvCache cache = m.newCache(prompt + steps);
    int v = m.vocabularySize();
    float[] out = new float[(steps + 1) * v];
    float[] logits = new float[v];
    m.forward(tokens, 0, prompt, cache, logits);
    System.arraycopy(logits, 0, out, 0, v);
    for (int i = prompt; i < tokens.length; i++) {
      m.forward(tokens, i, 1, cache, logits);
      System.arraycopy(logits, 0, out, (i - prompt + 1) * v, v);
    }
    return out;
  }

  private static float[] r(float[] a) {
    return Bf16.toFloat(Bf16.fromFloat(a));
  }

  /** {@code w} with its matmul weights rounded to bf16; norms and biases as they were. */
  static LlamaWeights roundMatrices(LlamaWeights w) {
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (LlamaWeights.Layer<float[]> l : w.layers()) {
      layers.add(
          new LlamaWeights.Layer<>(
              l.attnNorm(),
              r(l.wq()),
              r(l.wk()),
              r(l.wv()),
              r(l.wo()),
              l.bq(),
              l.bk(),
              l.bv(),
              l.bo(),
              l.qNorm(),
              l.kNorm(),
              l.ffnNorm(),
              r(l.wGate()),
              r(l.wUp()),
              r(l.wDown())));
    }
    float[] e = r(w.tokenEmbedding());
    float[] head = w.classifier() == w.tokenEmbedding() ? e : r(w.classifier());
    return new LlamaWeights(e, layers, w.finalNorm(), head);
  }

  private static Gpt2Weights roundMatrices(Gpt2Weights w) {
    List<Gpt2Weights.Layer<float[]>> layers = new ArrayList<>();
    for (Gpt2Weights.Layer<float[]> l : w.layers()) {
      layers.add(
          new Gpt2Weights.Layer<>(
              l.ln1Weight(),
              l.ln1Bias(),
              r(l.wQkv()),
              l.bQkv(),
              r(l.wProj()),
              l.bProj(),
              l.ln2Weight(),
              l.ln2Bias(),
              r(l.wFc()),
              l.bFc(),
              r(l.wFcProj()),
              l.bFcProj()));
    }
    return new Gpt2Weights(r(w.wte()), w.wpe(), layers, w.lnfWeight(), w.lnfBias());
  }
}
