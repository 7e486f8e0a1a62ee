package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Q4_0 product's Vector API kernel against its scalar twin on sizes that are not multiples of
 * the vector width or the task size, across thread counts and batches; the quantizer against blocks
 * an independent implementation (gguf-py) quantized; and the nibble layout against GGUF's.
 */
class Q4MatrixTest {

  @Test
  void aFusedProductRefusesMatricesOfTwoFormats() {
    SplittableRandom r = new SplittableRandom(8);
    Q4Matrix a = Q4Matrix.quantize(BlockMatrixTest.gaussian(r, 37 * 160, 0.05), 37, 160);
    Q8Matrix b = Q8Matrix.quantize(BlockMatrixTest.gaussian(r, 19 * 160, 0.05), 19, 160);
    float[] x = BlockMatrixTest.gaussian(r, 160, 1);
    assertThatThrownBy(
            () ->
                BlockMatrix.mulNT(
                    ComputePool.common(), x, 0, a, new float[37], b, new float[19], null, null))
        .hasMessageContaining("not of one format and width (Q4_0 160, Q8_0 160)");
  }

  @Test
  void quantizingGivesTheBytesAnIndependentImplementationGives() throws IOException {
    GoldenBlocks.assertQuantizes("/golden/q4_0_gguf_py.txt", 57, Q4Matrix::quantize);
  }

  @Test
  void valuesFollowGgufsNibbleLayoutAndTheLargestMagnitudeIsEightSteps() {
    // block: byte j holds value j (low nibble) and value j + 16 (high nibble), each q + 8
    byte[] q = new byte[16];
    for (int j = 0; j < 16; j++) {
      q[j] = (byte) (j | (15 - j) << 4);
    }
    Q4Matrix w = Q4Matrix.of(q, new float[] {0.5f}, 1, 32);
    float[] row = new float[32];
    w.row(0, row, 0);
    for (int j = 0; j < 16; j++) {
      assertThat(row[j]).as("value %d", j).isEqualTo((j - 8) * 0.5f);
      assertThat(row[j + 16]).as("value %d", j + 16).isEqualTo((7 - j) * 0.5f);
    }
    SplittableRandom r = new SplittableRandom(3);
    float[] x = BlockMatrixTest.gaussian(r, 4 * 64, 0.1);
    x[7] = 1f; // the largest magnitude of block 0, positive: it maps to -8 steps of a negative d
    Q4Matrix m = Q4Matrix.quantize(x, 4, 64);
    float[] back = m.toF32();
    assertThat(back[7]).isEqualTo(1f);
    for (int b = 0; b < 8; b++) {
      float amax = 0;
      for (int i = b * 32; i < b * 32 + 32; i++) {
        amax = Math.max(amax, Math.abs(x[i]));
      }
      float step = Float.float16ToFloat(Float.floatToFloat16(amax / 8));
      for (int i = b * 32; i < b * 32 + 32; i++) {
        // within one step (the top value is one step short of the other end's 8) plus f16 error
        assertThat(Math.abs(back[i] - x[i])).isLessThanOrEqualTo(step * (1 + 8f / 1024));
      }
    }
    // requantizing what a Q4_0 matrix holds gives the same matrix
    assertThat(Q4Matrix.quantize(back, 4, 64).toF32()).containsExactly(back);
    assertThat(m.bytes()).isEqualTo(4 * 64 / 2 + 4L * 4 * 64 / 32);
  }

  @Test
  void theStraightLineFourRowKernelsGiveTheBitsOfTheGeneralLoops() {
    SplittableRandom r = new SplittableRandom(23);
    for (int cols : new int[] {32, 96, 576}) {
      float[] w = BlockMatrixTest.gaussian(r, 6 * cols, 0.05);
      float[] x = BlockMatrixTest.gaussian(r, 3 + cols, 1);
      Q4Matrix m = Q4Matrix.quantize(w, 6, cols);
      float[] fast = new float[4 * MatVec.L];
      float[] general = new float[4 * MatVec.L];
      m.dot4(x, 3, 0, 3, fast);
      m.dot4Parts(x, 3, 0, 3, general);
      assertThat(fast).as("dot4 cols=%d", cols).isEqualTo(general);
      m.dot4(x, 3, 1, 4, fast);
      m.dot4Parts(x, 3, 1, 4, general);
      assertThat(fast).as("dot4 cols=%d", cols).isEqualTo(general);
      float[] rows = BlockMatrixTest.gaussian(r, 3 + 4 * cols, 1);
      for (int row = 0; row < 6; row++) {
        m.dotRows4(rows, 3, row, fast);
        m.dotRows4Parts(rows, 3, row, general);
        assertThat(fast).as("dotRows4 cols=%d row %d", cols, row).isEqualTo(general);
      }
    }
  }

  @Test
  void refusesHeldArraysThatDoNotFitTheShape() {
    assertThatThrownBy(() -> Q4Matrix.of(new byte[64], new float[2], 2, 32))
        .hasMessageContaining("Q4_0 matrix 2 x 32 needs 32 bytes and 2 scales, got 64 and 2");
  }
}
