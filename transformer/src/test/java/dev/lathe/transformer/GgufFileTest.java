package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGUF files written field by field ({@link GgufBuilder}), read back, and a corrupt-file corpus.
 */
class GgufFileTest {

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static byte[] q8Block(float d, int first) {
    byte[] b = new byte[34];
    short h = Float.floatToFloat16(d);
    b[0] = (byte) h;
    b[1] = (byte) (h >> 8);
    for (int i = 0; i < 32; i++) {
      b[2 + i] = (byte) (first + i);
    }
    return b;
  }

  private static byte[] valid() {
    byte[] q8 = new byte[68];
    System.arraycopy(q8Block(0.5f, -16), 0, q8, 0, 34);
    System.arraycopy(q8Block(-2f, 0), 0, q8, 34, 34);
    return new GgufBuilder()
        .alignment(64)
        .string("general.architecture", "llama")
        .u32("llama.block_count", 7)
        .f32("llama.rope.freq_base", 500000f)
        .strings("tokenizer.ggml.tokens", List.of("a", "b", "ü"))
        .ints("tokenizer.ggml.token_type", new int[] {1, 1, 3})
        .f32Tensor("norm", new float[] {1, 2, 3}, 3)
        .tensor("w", new long[] {32, 2}, 8, q8) // 2 rows of 32: one Q8_0 block each
        .build();
  }

  @Test
  void metadataAndTensorsReadBackAtAlignedOffsets() throws IOException {
    try (GgufFile g = GgufFile.open(write("ok.gguf", valid()))) {
      assertThat(g.string("general.architecture")).isEqualTo("llama");
      assertThat(g.integer("llama.block_count")).isEqualTo(7);
      assertThat(g.number("llama.rope.freq_base", 0)).isEqualTo(500000.0);
      assertThat(g.number("llama.absent", 42)).isEqualTo(42.0);
      assertThat(g.array("tokenizer.ggml.tokens")).isEqualTo(List.of("a", "b", "ü"));
      assertThat(g.array("tokenizer.ggml.token_type")).isEqualTo(List.of(1L, 1L, 3L));
      assertThat(g.tensors().get("w").offset()).isEqualTo(64);
      assertThat(g.floats("norm", 3)).containsExactly(1, 2, 3);
      float[] w = g.floats("w", 2, 32);
      assertThat(w[0]).isEqualTo(-8f);
      assertThat(w[31]).isEqualTo(7.5f);
      assertThat(w[32]).isEqualTo(-0f);
      assertThat(w[63]).isEqualTo(-62f);
      assertThatThrownBy(() -> g.floats("w", 32, 2))
          .hasMessageContaining("tensor w has shape [2, 32], the metadata implies [32, 2]");
      assertThatThrownBy(() -> g.integer("general.architecture"))
          .hasMessageContaining("metadata general.architecture is a String, expected a Long");
      assertThatThrownBy(() -> g.string("general.name"))
          .hasMessageContaining("metadata key general.name is missing");
    }
  }

  @Test
  void badMagicAndUnsupportedVersionsAreNamed() throws IOException {
    byte[] bytes = valid();
    bytes[0] = 'X';
    Path bad = write("magic.gguf", bytes);
    assertThatThrownBy(() -> GgufFile.open(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("magic.gguf: not a GGUF file");
    Path v1 = write("v1.gguf", new GgufBuilder().version(1).build());
    assertThatThrownBy(() -> GgufFile.open(v1)).hasMessageContaining("GGUF version 1 at byte 4");
    Path v2 = write("v2.gguf", new GgufBuilder().version(2).string("k", "v").build());
    try (GgufFile g = GgufFile.open(v2)) {
      assertThat(g.string("k")).isEqualTo("v");
    }
  }

  @Test
  void everyTruncationIsAnErrorNamingTheFile() throws IOException {
    byte[] bytes = valid();
    int dataEnd = bytes.length - (128 - 68); // the last tensor's 68 bytes are padded to 128
    for (int cut = 0; cut < dataEnd; cut += 7) {
      Path p = write("cut" + cut + ".gguf", Arrays.copyOf(bytes, cut));
      assertThatThrownBy(() -> GgufFile.open(p))
          .as("cut at %d", cut)
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith(p.toString())
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void unknownValueTypeNamesTheKeyAndByte() throws IOException {
    Path p = write("type.gguf", new GgufBuilder().raw("odd.key", 13, new byte[8]).build());
    assertThatThrownBy(() -> GgufFile.open(p))
        .hasMessageContaining("metadata odd.key has unknown value type 13 at byte");
  }

  @Test
  void unsupportedTensorTypeIsNamedWhenRead() throws IOException {
    // Q4_1 (ggml type 3): 20-byte blocks Lathe does not read
    Path p =
        write("q41.gguf", new GgufBuilder().tensor("t", new long[] {32}, 3, new byte[20]).build());
    try (GgufFile g = GgufFile.open(p)) {
      assertThatThrownBy(() -> g.floats("t", 32))
          .hasMessageContaining("tensor t has ggml type 3 (Q4_1), which Lathe does not read");
    }
  }

  @Test
  void rowsThatAreNotWholeBlocksAndMisalignedOffsetsAreRefused() throws IOException {
    Path rows =
        write("rows.gguf", new GgufBuilder().tensor("t", new long[] {16}, 8, new byte[34]).build());
    assertThatThrownBy(() -> GgufFile.open(rows))
        .hasMessageContaining("tensor t has 16 values per row, not a multiple of the Q8_0 block");
    Path align = write("align.gguf", new GgufBuilder().u32("general.alignment", 24).build());
    assertThatThrownBy(() -> GgufFile.open(align))
        .hasMessageContaining("general.alignment is 24, it must be a power of two");
  }
}
