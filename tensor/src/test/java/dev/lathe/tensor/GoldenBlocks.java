package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Golden blocks an independent implementation quantized, kept under {@code /golden/}: lines of 32
 * input floats as IEEE bit patterns (hex), {@code ->}, and the GGUF block made of them (hex); lines
 * starting with {@code #} say which implementation, at which version, made them and from what. A
 * quantizer passes when it writes every block byte for byte, whether the blocks come as one row
 * each or as a few rows of many.
 */
final class GoldenBlocks {
  private GoldenBlocks() {}

  /** A quantizer of (rows, cols) values to a block matrix. */
  interface Quantizer {
    BlockMatrix quantize(float[] w, int rows, int cols);
  }

  /** One golden line: the 32 inputs and the block's bytes. */
  record Block(float[] x, byte[] bytes) {}

  static List<Block> read(String resource) throws IOException {
    List<Block> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                GoldenBlocks.class.getResourceAsStream(resource), StandardCharsets.US_ASCII))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] sides = line.split(" -> ");
        String[] bits = sides[0].trim().split(" ");
        float[] x = new float[bits.length];
        for (int i = 0; i < bits.length; i++) {
          x[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(bits[i], 16));
        }
        out.add(new Block(x, HexFormat.of().parseHex(sides[1].trim())));
      }
    }
    return out;
  }

  /**
   * Asserts that {@code quantizer} writes the {@code count} blocks of {@code resource} byte for
   * byte: the inputs as one matrix of a block per row, and as 3 rows of count / 3 blocks.
   */
  static void assertQuantizes(String resource, int count, Quantizer quantizer) throws IOException {
    List<Block> golden = read(resource);
    assertThat(golden).hasSize(count);
    int size = golden.get(0).bytes().length;
    float[] all = new float[count * BlockMatrix.BLOCK];
    for (int b = 0; b < count; b++) {
      assertThat(golden.get(b).x()).hasSize(BlockMatrix.BLOCK);
      assertThat(golden.get(b).bytes()).hasSize(size);
      System.arraycopy(golden.get(b).x(), 0, all, b * BlockMatrix.BLOCK, BlockMatrix.BLOCK);
    }
    for (int rows : new int[] {count, 3}) {
      BlockMatrix q = quantizer.quantize(all, rows, all.length / rows);
      ByteBuffer written = ByteBuffer.allocate(count * size).order(ByteOrder.LITTLE_ENDIAN);
      q.writeBlocks(written);
      assertThat(written.remaining()).isZero();
      for (int b = 0; b < count; b++) {
        byte[] mine = Arrays.copyOfRange(written.array(), b * size, b * size + size);
        assertThat(HexFormat.of().formatHex(mine))
            .as("block %d of %d rows", b, rows)
            .isEqualTo(HexFormat.of().formatHex(golden.get(b).bytes()));
      }
    }
  }
}
