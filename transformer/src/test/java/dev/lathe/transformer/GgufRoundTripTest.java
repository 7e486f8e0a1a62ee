package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models written by {@link GgufCheckpoint#save} and read back by {@link GgufCheckpoint#load}: F32
 * gives back every weight bit for bit (llama's permuted q/k rows undone by {@link RopePairing}) and
 * the same logits; F16 logits within 1e-2 of the largest; Q8_0 equals the model whose matrices went
 * through a reference Q8_0 quantization; and on the real TinyStories-656K model, greedy text from
 * the Q8_0 file agrees with the original for 50 tokens.
 */
class GgufRoundTripTest {

  @TempDir Path dir;

  private static LlamaConfig config(String type) {
    LlamaConfig c = TinyModels.config(type);
    return c.withRope(RopeScaling.NONE, c.ropeStyle()); // GGUF rope scaling is not written yet
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "mistral", "qwen2", "qwen3"})
  void f32RoundTripsEveryWeightAndTheLogits(String type) throws Exception {
    LlamaConfig c = config(type);
    LlamaWeights w = TinyModels.llama(c, type.hashCode());
    Path file = dir.resolve(type + ".gguf");
    GgufCheckpoint.save(file, type, c, w, GgmlType.F32, Map.of("general.name", type));
    LoadedModel back = ModelLoader.load(file);
    LlamaModel m = (LlamaModel) back.model();
    String arch = type.equals("mistral") ? "llama" : type;
    assertThat(back.modelType()).isEqualTo(arch);
    Rope.Style style = arch.equals("llama") ? Rope.Style.INTERLEAVED : Rope.Style.ROTATE_HALF;
    assertThat(m.config()).isEqualTo(c.withRope(RopeScaling.NONE, style));
    LlamaWeights undone = RopePairing.convert(m.config(), m.weights(), Rope.Style.ROTATE_HALF);
    Map<String, LlamaTensorNames.Entry> a = LlamaTensorNames.HF.tensors(c, w);
    Map<String, LlamaTensorNames.Entry> b = LlamaTensorNames.HF.tensors(c, undone);
    assertThat(b.keySet()).isEqualTo(a.keySet());
    a.forEach((name, e) -> assertThat(b.get(name).values()).as(name).containsExactly(e.values()));
    assertClose(TinyModels.logits(m), TinyModels.logits(new LlamaModel(c, w)), 1e-5);
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.string("general.name")).isEqualTo(type);
      assertThat(g.integer("general.file_type")).isZero();
      assertThat(g.integer(arch + ".rope.dimension_count")).isEqualTo(c.headDim());
      assertThat(g.has("output.weight")).isEqualTo(!c.tiedEmbeddings());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void f16LogitsAreWithinOnePercentAndQ8_0EqualsTheReferenceQuantization(String type)
      throws Exception {
    LlamaConfig c = config(type);
    LlamaWeights w = TinyModels.llama(c, type.hashCode());
    float[] expected = TinyModels.logits(new LlamaModel(c, w));
    GgufCheckpoint.save(dir.resolve("h.gguf"), type, c, w, GgmlType.F16, Map.of());
    assertClose(TinyModels.logits(ModelLoader.load(dir.resolve("h.gguf")).model()), expected, 1e-2);

    GgufCheckpoint.save(dir.resolve("q.gguf"), type, c, w, GgmlType.Q8_0, Map.of());
    LlamaModel q = (LlamaModel) ModelLoader.load(dir.resolve("q.gguf")).model();
    LlamaWeights inGgufPairing = RopePairing.convert(c, w, q.config().ropeStyle());
    Map<String, LlamaTensorNames.Entry> written = LlamaTensorNames.GGUF.tensors(c, inGgufPairing);
    Map<String, LlamaTensorNames.Entry> read = LlamaTensorNames.GGUF.tensors(c, q.weights());
    written.forEach(
        (name, e) -> {
          float[] want = e.values();
          if (e.shape().length == 2) {
            want =
                e.shape()[1] % 32 == 0
                    ? GgufWriterTest.referenceQ8_0(e.values())
                    : f16(e.values()); // rows that are not whole blocks are stored as F16
          }
          assertThat(read.get(name).values()).as(name).containsExactly(want);
        });
    long held = 0; // Q8_0 matrices are held as int8 blocks with an f32 scale, the rest as f32
    for (LlamaTensorNames.Entry e : written.values()) {
      int n = e.values().length;
      held += e.shape().length == 2 && e.shape()[1] % 32 == 0 ? n + n / 32 * 4 : 4L * n;
    }
    assertThat(GgufCheckpoint.heldBytes(dir.resolve("q.gguf"))).isEqualTo(held);
    try (GgufFile g = GgufFile.open(dir.resolve("q.gguf"))) {
      assertThat(g.integer("general.file_type")).isEqualTo(7);
      assertThat(g.tensors().get("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
      assertThat(g.tensors().get("blk.0.ffn_up.weight").type()).isEqualTo(GgmlType.Q8_0);
      assertThat(g.tensors().get("blk.0.attn_norm.weight").type()).isEqualTo(GgmlType.F32);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen3"})
  void aBf16FileIsHeldAsItsBf16ValuesAndRunsAsTheSameWeightsRoundedOnLoad(String type)
      throws Exception {
    LlamaConfig c = config(type);
    LlamaWeights w = TinyModels.llama(c, type.hashCode());
    Path file = dir.resolve("b.gguf");
    GgufCheckpoint.save(file, type, c, w, GgmlType.BF16, Map.of());
    LlamaModel b = (LlamaModel) ModelLoader.load(file).model();
    assertThat(b.weightDtype()).isEqualTo(DType.BF16);
    LlamaWeights inGgufPairing = RopePairing.convert(c, w, b.config().ropeStyle());
    LlamaModel rounded = new LlamaModel(b.config(), inGgufPairing, DType.BF16);
    LlamaModel.Bf16Weights held = b.bf16Weights();
    LlamaModel.Bf16Weights want = rounded.bf16Weights();
    assertThat(held.tokenEmbedding()).containsExactly(want.tokenEmbedding());
    assertThat(held.layers().get(1).wq()).containsExactly(want.layers().get(1).wq());
    assertThat(held.layers().get(1).wDown()).containsExactly(want.layers().get(1).wDown());
    assertThat(TinyModels.logits(b)).containsExactly(TinyModels.logits(rounded));
    assertThat(GgufCheckpoint.heldBytes(file)).isEqualTo(b.weightBytes());
  }

  @Test
  void tinyStoriesGreedyTextAgreesFor50TokensInF16AndQ8_0() throws Exception {
    LoadedModel hf = ModelLoader.load(SharedAssets.require("models/hf-TinyStories-656K"));
    LlamaModel original = (LlamaModel) hf.model();
    int[] want = Llama2cExportTest.greedy(original, 50);
    for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.Q8_0}) {
      Path file = dir.resolve(type + ".gguf");
      GgufCheckpoint.save(
          file, hf.modelType(), original.config(), original.weights(), type, Map.of());
      LanguageModel back = ModelLoader.load(file).model();
      assertThat(Llama2cExportTest.greedy(back, 50)).as(type.toString()).containsExactly(want);
      if (type == GgmlType.F16) {
        float[] a = new float[original.vocabularySize()];
        float[] b = new float[a.length];
        original.forward(want, 0, 40, original.newCache(40), a);
        back.forward(want, 0, 40, back.newCache(40), b);
        assertClose(b, a, 1e-2);
      }
    }
  }

  @Test
  void llama3AndLinearRopeScalingRoundTrip() throws Exception {
    // Llama 3.1's scaling (factor 8, low 1, high 4) on a tiny model whose 16 frequencies put two
    // between the thresholds, as llama.cpp stores it: rope_freqs.weight
    LlamaConfig c =
        new LlamaConfig(
            64,
            96,
            2,
            2,
            1,
            32,
            61,
            512,
            1e-5f,
            500_000,
            new RopeScaling("llama3", 8, 1, 4, 256),
            Rope.Style.ROTATE_HALF,
            false,
            false,
            false,
            true);
    LlamaWeights w = TinyModels.llama(c, 5);
    Path file = dir.resolve("llama3.gguf");
    GgufCheckpoint.save(file, "llama", c, w, GgmlType.F32, Map.of());
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.tensors().get("rope_freqs.weight").ne()).containsExactly(16);
      float[] f = g.floats("rope_freqs.weight", 16);
      assertThat(f[0]).isEqualTo(1f); // short wavelengths kept
      assertThat(f[15]).isEqualTo(8f); // long ones divided by the factor
    }
    LlamaModel back = (LlamaModel) ModelLoader.load(file).model();
    RopeScaling s = back.config().ropeScaling();
    assertThat(s.type()).isEqualTo("llama3");
    assertThat(s.factor()).isEqualTo(8);
    assertThat(s.lowFreqFactor()).isEqualTo(1);
    assertThat(s.highFreqFactor()).isCloseTo(4, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(s.originalMaxPositions()).isEqualTo(256);
    int[] prompt = new int[300]; // long enough for the scaled frequencies to matter
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = (i * 7) % 61;
    }
    LlamaModel original = new LlamaModel(c, w);
    float[] a = new float[61];
    float[] b = new float[61];
    original.forward(prompt, 0, prompt.length, original.newCache(prompt.length), a);
    back.forward(prompt, 0, prompt.length, back.newCache(prompt.length), b);
    assertClose(b, a, 1e-4);

    LlamaConfig q =
        config("qwen2").withRope(new RopeScaling("linear", 2.5, 0, 0, 0), Rope.Style.ROTATE_HALF);
    LlamaWeights qw = TinyModels.llama(q, 6);
    GgufCheckpoint.save(dir.resolve("linear.gguf"), "qwen2", q, qw, GgmlType.F32, Map.of());
    LlamaModel linear = (LlamaModel) ModelLoader.load(dir.resolve("linear.gguf")).model();
    assertThat(linear.config()).isEqualTo(q);
    assertThat(TinyModels.logits(linear)).containsExactly(TinyModels.logits(new LlamaModel(q, qw)));
  }

  @Test
  void modelsGgufCannotHoldAreRefusedByName() {
    LlamaConfig scaled = TinyModels.config("llama");
    LlamaWeights w = TinyModels.llama(scaled, 1);
    Path file = dir.resolve("x.gguf");
    // head_dim 8: one blended frequency, too few to recover the llama3 parameters from
    assertThatThrownBy(() -> GgufCheckpoint.save(file, "llama", scaled, w, GgmlType.F16, Map.of()))
        .hasMessageContaining("cannot be written to GGUF llama so that it reads back");
    LlamaConfig c = config("llama");
    assertThatThrownBy(() -> GgufCheckpoint.save(file, "llama", c, w, GgmlType.Q4_K, Map.of()))
        .hasMessageContaining("not Q4_K");
    assertThatThrownBy(() -> GgufCheckpoint.save(file, "qwen3", c, w, GgmlType.F16, Map.of()))
        .hasMessageContaining("does not fit GGUF architecture qwen3");
    assertThatThrownBy(() -> GgufCheckpoint.architecture("gpt2"))
        .hasMessageContaining("a gpt2 model cannot be written as GGUF");
    assertThat(file).doesNotExist();
  }

  private static float[] f16(float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
    }
    return y;
  }

  /** Every logit within {@code tolerance} times the largest |logit| of {@code expected}. */
  static void assertClose(float[] actual, float[] expected, double tolerance) {
    assertThat(actual).hasSameSizeAs(expected);
    double scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) Math.abs(actual[i] - expected[i]))
          .as("logit %d: %s vs %s", i, actual[i], expected[i])
          .isLessThanOrEqualTo(tolerance * scale);
    }
  }
}
