package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Q4Matrix;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models held in Q4_0: GGUF Q4_0 tensors held as their blocks (not requantized), written and read
 * back through GGUF, loaded with {@code q4_0} from other checkpoints, and greedy decoding on the
 * shared real checkpoints against f32, with the agreement reported as measured.
 */
class Q4WeightsTest {
  @TempDir Path dir;

  /** A Q4_0 block: f16 scale d, then 16 bytes each holding two values' q + 8 (low, high). */
  private static byte[] q4Block(float d, int low, int high) {
    byte[] b = new byte[18];
    short h = Float.floatToFloat16(d);
    b[0] = (byte) h;
    b[1] = (byte) (h >> 8);
    for (int i = 0; i < 16; i++) {
      b[2 + i] = (byte) ((low + 8) | (high + 8) << 4);
    }
    return b;
  }

  @Test
  void aGgufQ4TensorIsHeldAsItsBlocksNotRequantized() throws Exception {
    // q 7 and 3: a block GGUF's reference quantizer would not make (its largest magnitude is not
    // -8 steps), so quantizing its values again would change the 3s (to 2.625 d)
    byte[] data = new byte[36];
    System.arraycopy(q4Block(0.25f, 7, 3), 0, data, 0, 18);
    System.arraycopy(q4Block(-1f, -8, 0), 0, data, 18, 18);
    Path file = dir.resolve("q4.gguf");
    Files.write(
        file,
        new GgufBuilder()
            .string("general.architecture", "llama")
            .tensor("w", new long[] {32, 2}, 2, data)
            .f32Tensor("v", new float[64], 2, 32)
            .build());
    try (GgufFile g = GgufFile.open(file)) {
      float[] stored = g.floats("w", 2, 32);
      assertThat(stored[0]).isEqualTo(1.75f);
      assertThat(stored[16]).isEqualTo(0.75f);
      assertThat(stored[32]).isEqualTo(8f);
      assertThat(g.blocks("w", 2, 32).toF32()).containsExactly(stored);
      assertThat(Q4Matrix.quantize(stored, 2, 32).toF32()).isNotEqualTo(stored);
      assertThatThrownBy(() -> g.blocks("v", 2, 32))
          .hasMessageContaining("F32 is not held as blocks: only Q8_0 and Q4_0 are");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void aQ4GgufRoundTripsAsTheSameBlocksAModelQuantizedOnLoadHolds(String type) throws Exception {
    LlamaConfig c = TinyModels.config(type);
    c = c.withRope(RopeScaling.NONE, c.ropeStyle());
    LlamaWeights w = TinyModels.llama(c, type.hashCode());
    Path file = dir.resolve(type + ".gguf");
    GgufCheckpoint.save(file, type, c, w, GgmlType.Q4_0, Map.of());
    LlamaModel q = (LlamaModel) ModelLoader.load(file).model();
    assertThat(q.weightDtype()).isEqualTo(DType.Q4_0);
    LlamaWeights inGgufPairing = RopePairing.convert(c, w, q.config().ropeStyle());
    Map<String, LlamaTensorNames.Entry> written = LlamaTensorNames.GGUF.tensors(c, inGgufPairing);
    Map<String, LlamaTensorNames.Entry> read = LlamaTensorNames.GGUF.tensors(c, q.weights());
    long held = 0;
    for (var e : written.entrySet()) {
      LlamaTensorNames.Entry entry = e.getValue();
      float[] want = entry.values();
      int n = want.length;
      if (entry.shape().length == 2 && entry.shape()[1] % 32 == 0) {
        int rows = (int) entry.shape()[0];
        want = Q4Matrix.quantize(want, rows, n / rows).toF32();
        held += n / 2 + n / 32 * 4;
      } else {
        if (entry.shape().length == 2) {
          want = f16(want); // rows that are not whole blocks are stored as F16, held as f32
        }
        held += 4L * n;
      }
      assertThat(read.get(e.getKey()).values()).as(e.getKey()).containsExactly(want);
    }
    assertThat(GgufCheckpoint.heldBytes(file)).isEqualTo(held);
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.integer("general.file_type")).isEqualTo(2); // llama.cpp's MOSTLY_Q4_0
      assertThat(g.integer("general.quantization_version")).isEqualTo(2);
      assertThat(g.tensors().get("blk.0.ffn_up.weight").type()).isEqualTo(GgmlType.Q4_0);
      assertThat(g.tensors().get("blk.0.attn_norm.weight").type()).isEqualTo(GgmlType.F32);
    }
    // the file's blocks and its values quantized again on load give the same logits, bit for bit
    // (GGUF's quantizer maps each block's largest magnitude to -8 steps, so the blocks come back)
    LlamaModel onLoad = new LlamaModel(q.config(), q.weights(), DType.Q4_0);
    assertThat(TinyModels.logits(q)).containsExactly(TinyModels.logits(onLoad));
    assertThat(q.weightBytes()).isEqualTo(onLoad.weightBytes());
  }

  @Test
  void tinyStoriesInQ4FromItsDirectoryAndFromAQ4GgufDecodeAlikeAndReportAgreementWithF32()
      throws Exception {
    Path hfDir = SharedAssets.require("models/hf-TinyStories-656K");
    LoadedModel hf = ModelLoader.load(hfDir, LoadOptions.weights(DType.F32));
    LlamaModel f32 = (LlamaModel) hf.model();
    LlamaModel q4 = (LlamaModel) ModelLoader.load(hfDir, LoadOptions.named("Q4_0", "test")).model();
    assertThat(q4.weightDtype()).isEqualTo(DType.Q4_0);
    Path file = dir.resolve("656k-q4.gguf");
    GgufCheckpoint.save(file, hf.modelType(), f32.config(), f32.weights(), GgmlType.Q4_0, Map.of());
    LanguageModel fromGguf = ModelLoader.load(file).model();
    int[] got = reportAgreement("656K", f32, q4, 5, 32);
    assertThat(Llama2cExportTest.greedy(fromGguf, 50)).containsExactly(got);
    // half a byte per value plus a 4-byte scale per 32 (0.156 of f32), 4 bytes per norm value
    assertThat((double) q4.weightBytes() / f32.weightBytes()).isLessThan(0.17);
  }

  @Test
  void stories260kGreedyInQ4ReportsItsAgreementWithF32() throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K").resolve("stories260K.bin");
    LlamaModel f32 = (LlamaModel) ModelLoader.load(bin).model();
    LlamaModel q4 = (LlamaModel) ModelLoader.load(bin, LoadOptions.weights(DType.Q4_0)).model();
    reportAgreement("260K", f32, q4, 15, 38);
  }

  /**
   * Prints and checks how far q4's greedy text (50 tokens from BOS) follows f32's: the tokens
   * before it departs (at least {@code lead}) and the positions of f32's text where q4, fed the
   * same prefix, picks f32's next token (at least {@code picks} of 50). Measured on this machine:
   * 656K 8 and 37, 260K 28 and 44; the bounds leave room for another vector width's rounding.
   *
   * @return q4's greedy text
   */
  private static int[] reportAgreement(
      String name, LlamaModel f32, LlamaModel q4, int lead, int picks) {
    int[] want = Llama2cExportTest.greedy(f32, 50);
    int[] got = Llama2cExportTest.greedy(q4, 50);
    int agree = agreement(want, got);
    int forced = forcedAgreement(f32, q4, want);
    System.out.println(name + " f32 " + Arrays.toString(want));
    System.out.println(name + " q4  " + Arrays.toString(got) + " agrees for " + agree + " tokens");
    System.out.println(name + " q4 picks f32's next token at " + forced + " of 50 positions");
    assertThat(agree)
        .as("tokens before the Q4_0 text departs from f32's")
        .isGreaterThanOrEqualTo(lead);
    assertThat(forced)
        .as("positions where Q4_0 picks f32's next token")
        .isGreaterThanOrEqualTo(picks);
    return got;
  }

  /**
   * At how many positions of {@code text} (f32's greedy text) q, fed the same prefix, picks the
   * same next token as f32: agreement that does not stop at the first difference.
   */
  private static int forcedAgreement(LanguageModel f32, LanguageModel q, int[] text) {
    int n = text.length - 1;
    KvCache ca = f32.newCache(n);
    KvCache cb = q.newCache(n);
    float[] a = new float[f32.vocabularySize()];
    float[] b = new float[q.vocabularySize()];
    int same = 0;
    for (int i = 0; i < n; i++) {
      f32.forward(text, i, 1, ca, a);
      q.forward(text, i, 1, cb, b);
      if (BatchDecoderTest.argmax(a) == BatchDecoderTest.argmax(b)) {
        same++;
      }
    }
    return same;
  }

  /** How many leading tokens a and b share. */
  private static int agreement(int[] a, int[] b) {
    int i = 0;
    while (i < a.length && i < b.length && a[i] == b[i]) {
      i++;
    }
    return i;
  }

  private static float[] f16(float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
    }
    return y;
  }
}
