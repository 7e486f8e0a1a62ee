package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GgufWriter}: every metadata type and tensor type read back by {@link GgufFile}; the Q8_0
 * quantizer against a reference written here from ggml's definition, and exported blocks equal to
 * those quantized on load; refusals leave no file.
 */
class GgufWriterTest {

  @TempDir Path dir;

  @Test
  void metadataOfEveryTypeAndTensorsReadBackAtAlignedOffsets() throws IOException {
    float[] f = TinyModels.random(new SplittableRandom(3), 3 * 64, 2f);
    Path file = dir.resolve("all.gguf");
    new GgufWriter()
        .put("general.alignment", 64)
        .put("s", "héllo")
        .put("u32", 7)
        .put("u64", 1L << 40)
        .put("f32", 0.25f)
        .put("f64", 1e-300)
        .put("yes", true)
        .put("strings", List.of("a", "▁b", ""))
        .put("floats", new float[] {1.5f, -2f})
        .put("ints", new int[] {-1, 3})
        .tensor(new GgufWriter.Tensor("f32", new long[] {3, 64}, GgmlType.F32, f))
        .tensor(new GgufWriter.Tensor("f16", new long[] {3, 64}, GgmlType.F16, f))
        .tensor(new GgufWriter.Tensor("bf16", new long[] {192}, GgmlType.BF16, f))
        .tensor(new GgufWriter.Tensor("q8", new long[] {3, 64}, GgmlType.Q8_0, f))
        .write(file);
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.string("s")).isEqualTo("héllo");
      assertThat(g.integer("u32")).isEqualTo(7);
      assertThat(g.metadata().get("u64")).isEqualTo(1L << 40);
      assertThat(g.metadata().get("f32")).isEqualTo(0.25f);
      assertThat(g.metadata().get("f64")).isEqualTo(1e-300);
      assertThat(g.metadata().get("yes")).isEqualTo(true);
      assertThat(g.array("strings")).isEqualTo(List.of("a", "▁b", ""));
      assertThat(g.array("floats")).isEqualTo(List.of(1.5f, -2f));
      assertThat(g.array("ints")).isEqualTo(List.of(-1L, 3L));
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        assertThat(t.offset() % 64).as(t.name()).isZero();
      }
      assertThat(g.tensors().get("q8").ne()).containsExactly(64, 3);
      assertThat(g.tensors().get("q8").type()).isEqualTo(GgmlType.Q8_0);
      assertThat(g.floats("f32", 3, 64)).containsExactly(f);
      float[] h = g.floats("f16", 3, 64);
      float[] b = g.floats("bf16", 192);
      for (int i = 0; i < f.length; i++) {
        assertThat(h[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(f[i])));
        assertThat(b[i])
            .isEqualTo(dev.lathe.tensor.Bf16.toFloat(dev.lathe.tensor.Bf16.fromFloat(f[i])));
      }
      assertThat(g.floats("q8", 3, 64)).containsExactly(referenceQ8_0(f));
    }
    assertThat(Files.size(file) % 64).isZero();
  }

  @Test
  void q8_0QuantizerMatchesGgmlsDefinitionOnEdgeBlocks() {
    float[] x = new float[5 * 32];
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < 32; i++) {
      x[i] = (float) r.nextGaussian(); // ordinary block
      x[32 + i] = 0; // all zero: d = 0, every q = 0
      x[64 + i] = (i - 16) * 0.5f; // many exact halves: ties round away from zero
      x[96 + i] = i == 5 ? -3e4f : 1e-3f; // one large value dominates the scale
      x[128 + i] = i % 2 == 0 ? 1e-30f : -1e-30f; // tiny: d underflows f16
    }
    ByteBuffer out = ByteBuffer.allocate(5 * 34).order(ByteOrder.LITTLE_ENDIAN);
    GgufQuants.quantizeQ8_0(x, 0, x.length, out);
    byte[] expected = referenceQ8_0Bytes(x);
    assertThat(out.array()).containsExactly(expected);
    assertThat(expected[34 + 2 + 3]).isZero();
    // block 2: amax 8, d = 8/127, x = -7.5 → -119.0625 → -119; x = 0.5 → 7.9375 → 8
    assertThat(expected[68 + 2 + 1]).isEqualTo((byte) -119);
    assertThat(expected[68 + 2 + 17]).isEqualTo((byte) 8);
  }

  @Test
  void aNegativeExactHalfRoundsAwayFromZeroAlikeOnLoadAndInExport() throws IOException {
    // max 127 makes d = 1 (exact in f16), so each value is its own scaled value: -2.5 is a tie
    float[] x = new float[64];
    float[] halves = {127, -2.5f, 2.5f, -0.5f, 0.5f, -126.5f};
    System.arraycopy(halves, 0, x, 0, halves.length);
    System.arraycopy(halves, 0, x, 32, halves.length);
    x[32] = -127; // the second block's max is negative
    Path file = dir.resolve("ties.gguf");
    new GgufWriter()
        .tensor(new GgufWriter.Tensor("w", new long[] {2, 32}, GgmlType.Q8_0, x))
        .write(file);
    float[] loaded = WeightMatrix.of(x, 2, 32, DType.Q8_0).toF32();
    try (GgufFile g = GgufFile.open(file)) {
      assertThat(g.floats("w", 2, 32)).containsExactly(loaded);
    }
    float[] expected = {127, -3, 3, -1, 1, -127};
    assertThat(java.util.Arrays.copyOf(loaded, 6)).containsExactly(expected);
    expected[0] = -127;
    assertThat(java.util.Arrays.copyOfRange(loaded, 32, 38)).containsExactly(expected);
  }

  @Test
  void refusalsNameTheProblemAndLeaveNoFile() {
    Path file = dir.resolve("bad.gguf");
    float[] big = new float[32];
    big[3] = 1e5f;
    GgufWriter w =
        new GgufWriter()
            .put("k", "v")
            .tensor(new GgufWriter.Tensor("w", new long[] {32}, GgmlType.F16, big));
    assertThatThrownBy(() -> w.write(file))
        .hasMessageContaining("tensor w[3] = 100000.0 is beyond f16's range");
    assertThat(file).doesNotExist();
    assertThat(dir.toFile().list()).isEmpty();
    assertThatThrownBy(() -> new GgufWriter().put("n", -1))
        .hasMessageContaining("metadata n: cannot write -1");
    assertThatThrownBy(() -> new GgufWriter().put("k", 1).put("k", 2))
        .hasMessageContaining("metadata key k is set twice");
    assertThatThrownBy(
            () -> new GgufWriter.Tensor("t", new long[] {2, 16}, GgmlType.Q8_0, new float[32]))
        .hasMessageContaining("rows of 16 values are not whole Q8_0 blocks of 32");
    assertThatThrownBy(
            () ->
                new GgufWriter()
                    .tensor(
                        new GgufWriter.Tensor(
                            "t", new long[] {256}, GgmlType.Q4_K, new float[256])))
        .hasMessageContaining("not Q4_K");
  }

  /** ggml's quantize_row_q8_0_ref, written here in double where it is exact. */
  private static byte[] referenceQ8_0Bytes(float[] x) {
    byte[] out = new byte[x.length / 32 * 34];
    for (int block = 0; block < x.length / 32; block++) {
      float amax = 0;
      for (int j = 0; j < 32; j++) {
        amax = Math.max(amax, Math.abs(x[32 * block + j]));
      }
      float d = amax / 127f;
      float id = d == 0 ? 0 : 1f / d;
      short h = Float.floatToFloat16(d);
      out[34 * block] = (byte) h;
      out[34 * block + 1] = (byte) (h >> 8);
      for (int j = 0; j < 32; j++) {
        float v = x[32 * block + j] * id;
        // C's roundf: halfway cases away from zero
        long q = v >= 0 ? (long) Math.floor(v + 0.5) : -(long) Math.floor(-v + 0.5);
        out[34 * block + 2 + j] = (byte) q;
      }
    }
    return out;
  }

  /** The values a reader gets back from {@link #referenceQ8_0Bytes}: f16 d times each q. */
  static float[] referenceQ8_0(float[] x) {
    byte[] b = referenceQ8_0Bytes(x);
    float[] y = new float[x.length];
    for (int block = 0; block < x.length / 32; block++) {
      float d = Float.float16ToFloat((short) ((b[34 * block] & 0xff) | (b[34 * block + 1] << 8)));
      for (int j = 0; j < 32; j++) {
        y[32 * block + j] = d * b[34 * block + 2 + j];
      }
    }
    return y;
  }
}
