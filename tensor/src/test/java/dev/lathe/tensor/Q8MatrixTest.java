package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 beyond the contract {@link BlockMatrixTest} runs on every format: the quantizer against
 * blocks ggml's C reference quantized (its rounding of exact halves away from zero included), and
 * the dequantized values against the f32 they came from.
 */
class Q8MatrixTest {

  @Test
  void quantizingFollowsGgufRoundingAndStaysWithinHalfAStepOfTheF32Values() {
    SplittableRandom r = new SplittableRandom(3);
    int rows = 9, cols = 96;
    float[] w = BlockMatrixTest.gaussian(r, rows * cols, 0.1);
    w[5] = 0; // a zero value, and a block of zeros below
    for (int i = 64; i < 96; i++) {
      w[i] = 0;
    }
    Q8Matrix q = Q8Matrix.quantize(w, rows, cols);
    float[] back = q.toF32();
    for (int b = 0; b < w.length / 32; b++) {
      float amax = 0;
      for (int i = b * 32; i < b * 32 + 32; i++) {
        amax = Math.max(amax, Math.abs(w[i]));
      }
      float d = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
      for (int i = b * 32; i < b * 32 + 32; i++) {
        // half a quantization step, plus the f16 rounding of the scale over 127 steps
        assertThat(Math.abs(back[i] - w[i])).isLessThanOrEqualTo(d * 0.5f + 127 * d / 1024 + 0f);
      }
    }
    assertThat(back[5]).isZero();
    assertThat(java.util.Arrays.copyOfRange(back, 64, 96)).containsOnly(0f);
    // requantizing what a Q8_0 matrix holds gives the same matrix (GGUF tensors load unchanged)
    assertThat(Q8Matrix.quantize(back, rows, cols).toF32()).containsExactly(back);
    float[] row = new float[cols];
    q.row(4, row, 0);
    assertThat(row).containsExactly(java.util.Arrays.copyOfRange(back, 4 * cols, 5 * cols));
    assertThat(q.bytes()).isEqualTo(rows * cols + 4L * rows * cols / 32);
  }

  @Test
  void quantizingGivesTheBytesAnIndependentImplementationGives() throws IOException {
    GoldenBlocks.assertQuantizes("/golden/q8_0_ggml_ref.txt", 72, Q8Matrix::quantize);
  }

  @Test
  void exactHalvesRoundAwayFromZeroOnBothSides() {
    // max 127 makes d = 1 (exact in f16), so each value is its own scaled value
    float[] w = new float[32];
    float[] halves = {127, -2.5f, 2.5f, -0.5f, 0.5f, -126.5f, 126.5f, -1.5f, 1.5f};
    System.arraycopy(halves, 0, w, 0, halves.length);
    float[] back = Q8Matrix.quantize(w, 1, 32).toF32();
    assertThat(java.util.Arrays.copyOf(back, halves.length))
        .containsExactly(127, -3, 3, -1, 1, -127, 127, -2, 2);
  }

  @Test
  void aScaleWhoseReciprocalOverflowsGivesZeroQuants() {
    // max|x| / 127 is an f32 subnormal below 1 / Float.MAX_VALUE: ggml's reference converts the
    // resulting infinities to int8 (0 on x86); the f16 scale is 0 whatever the quants
    float[] w = new float[32];
    w[0] = 3e-37f;
    w[1] = -1e-37f;
    Q8Matrix q = Q8Matrix.quantize(w, 1, 32);
    java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(34);
    q.writeBlocks(out);
    assertThat(out.array()).containsOnly(0);
  }

  @Test
  void straightLineKernelsGiveTheBitsOfTheGeneralLoops() {
    assertThat(BlockMatrix.LINE).isEqualTo(MatVec.L == 16);
    SplittableRandom r = new SplittableRandom(21);
    for (int cols : new int[] {32, 96, 576}) {
      float[] w = BlockMatrixTest.gaussian(r, 6 * cols, 0.05);
      float[] x = BlockMatrixTest.gaussian(r, 3 + 8 * cols, 1);
      Q8Matrix m = Q8Matrix.quantize(w, 6, cols);
      float[] fast = new float[8 * MatVec.L];
      float[] general = new float[8 * MatVec.L];
      for (int row = 0; row < 6; row++) {
        m.dot(x, 3, row, fast);
        m.dotParts(x, 3, row, general);
        assertThat(fast).as("dot cols=%d row %d", cols, row).isEqualTo(general);
        m.dotRows4(x, 3, row, fast);
        m.dotRows4Parts(x, 3, row, general);
        assertThat(fast).as("dotRows4 cols=%d row %d", cols, row).isEqualTo(general);
        m.dotRows8(x, 3, row, fast);
        m.dotRows4Parts(x, 3 + 4 * cols, row, general);
        System.arraycopy(general, 0, general, 4 * MatVec.L, 4 * MatVec.L);
        m.dotRows4Parts(x, 3, row, general);
        assertThat(fast).as("dotRows8 cols=%d row %d", cols, row).isEqualTo(general);
      }
      m.dot4(x, 3, 0, 3, fast);
      m.dot4Parts(x, 3, 0, 3, general);
      assertThat(fast).as("dot4 cols=%d", cols).isEqualTo(general);
    }
  }

  @Test
  void refusesHeldArraysThatDoNotFitTheShape() {
    assertThatThrownBy(() -> Q8Matrix.of(new byte[64], new float[1], 2, 32))
        .hasMessageContaining("Q8_0 matrix 2 x 32 needs 64 bytes and 2 scales, got 64 and 1");
  }
}
