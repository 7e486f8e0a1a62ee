package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Q8_0 product's Vector API kernel against its scalar twin on sizes that are not multiples of
 * the vector width or the task size, the quantizer against GGUF's rounding, and the dequantized
 * values against the f32 they came from.
 */
class Q8MatrixTest {

  private static float[] gaussian(SplittableRandom r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  @Test
  void vectorKernelAgreesWithItsScalarTwinOnOddSizesForAnyThreadCount() {
    SplittableRandom r = new SplittableRandom(11);
    int[][] shapes = {{1, 1, 32}, {3, 7, 32}, {1, 67, 96}, {2, 33, 160}, {5, 131, 544}};
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int[] s : shapes) {
          int m = s[0], rows = s[1], cols = s[2];
          Q8Matrix w = Q8Matrix.quantize(gaussian(r, rows * cols, 0.05), rows, cols);
          float[] x = gaussian(r, 2 + m * cols, 1);
          float[] vec = new float[3 + m * rows];
          float[] ref = new float[3 + m * rows];
          w.mulNT(pool, x, 2, vec, 3, m);
          w.mulNTScalar(x, 2, ref, 3, m);
          float[] deq = w.toF32();
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < rows; j++) {
              // the two sum in different orders: within 1e-5 of the sum of magnitudes
              double mag = 0;
              for (int p = 0; p < cols; p++) {
                mag += Math.abs(deq[j * cols + p] * x[2 + i * cols + p]);
              }
              assertThat(vec[3 + i * rows + j])
                  .as("row %d of %d, output %d of %dx%d, %d threads", i, m, j, rows, cols, threads)
                  .isCloseTo(
                      ref[3 + i * rows + j],
                      org.assertj.core.data.Offset.offset((float) (1e-5 * mag + 1e-30)));
            }
          }
          assertThat(vec[0]).isZero();
          assertThat(vec[2]).isZero();
        }
      }
    }
  }

  @Test
  void fourRowsAtOnceGiveTheBitsOfOneRowAtATime() {
    // 7 rows in one task: rows 0-3 by the four-row kernel, 4-6 one at a time
    SplittableRandom r = new SplittableRandom(9);
    float[] w = gaussian(r, 7 * 96, 0.05);
    Q8Matrix all = Q8Matrix.quantize(w, 7, 96);
    float[] x = gaussian(r, 96, 1);
    float[] y = new float[7];
    all.mulNT(ComputePool.common(), x, 0, y, 0, 1);
    for (int row = 0; row < 4; row++) {
      // the same row as the last of a 3-row matrix runs on the one-row kernel
      float[] three = new float[3 * 96];
      System.arraycopy(w, row * 96, three, 2 * 96, 96);
      float[] out = new float[3];
      Q8Matrix.quantize(three, 3, 96).mulNT(ComputePool.common(), x, 0, out, 0, 1);
      assertThat(out[2]).as("row %d", row).isEqualTo(y[row]);
    }
  }

  @Test
  void vectorKernelGivesTheSameBitsForAnyThreadCount() {
    SplittableRandom r = new SplittableRandom(5);
    Q8Matrix w = Q8Matrix.quantize(gaussian(r, 301 * 256, 0.05), 301, 256);
    float[] x = gaussian(r, 2 * 256, 1);
    float[] one = new float[2 * 301];
    float[] three = new float[2 * 301];
    try (ComputePool p1 = new ComputePool(1);
        ComputePool p3 = new ComputePool(3)) {
      w.mulNT(p1, x, 0, one, 0, 2);
      w.mulNT(p3, x, 0, three, 0, 2);
    }
    assertThat(three).containsExactly(one);
  }

  @Test
  void quantizingFollowsGgufRoundingAndStaysWithinHalfAStepOfTheF32Values() {
    SplittableRandom r = new SplittableRandom(3);
    int rows = 9, cols = 96;
    float[] w = gaussian(r, rows * cols, 0.1);
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
  void refusesColumnsThatAreNotWholeBlocksAndMismatchedArrays() {
    assertThatThrownBy(() -> Q8Matrix.quantize(new float[3 * 40], 3, 40))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole blocks of 32")
        .hasMessageContaining("3 x 40")
        .hasMessageContaining("use f32 or bf16");
    assertThatThrownBy(() -> Q8Matrix.of(new byte[64], new float[1], 2, 32))
        .hasMessageContaining("needs 64 values and 2 scales, got 64 and 1");
    Q8Matrix w = Q8Matrix.quantize(new float[64], 2, 32);
    assertThatThrownBy(() -> w.mulNT(ComputePool.common(), new float[31], 0, new float[2], 0, 1))
        .hasMessageContaining("needs 32 elements");
  }
}
