package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract every block format's product keeps, run on each format: the Vector API kernels
 * against the scalar twin and the double-precision product on sizes that are not multiples of the
 * vector width or the task size; a row's bits whatever the thread count, the batch, the four-row or
 * one-row kernel and the fused loop; and clear refusals of shapes that do not fit.
 */
class BlockMatrixTest {

  /** The formats, each by its quantizer. */
  enum Format {
    Q8_0 {
      @Override
      BlockMatrix quantize(float[] w, int rows, int cols) {
        return Q8Matrix.quantize(w, rows, cols);
      }
    },
    Q4_0 {
      @Override
      BlockMatrix quantize(float[] w, int rows, int cols) {
        return Q4Matrix.quantize(w, rows, cols);
      }
    };

    abstract BlockMatrix quantize(float[] w, int rows, int cols);
  }

  static float[] gaussian(SplittableRandom r, int n, double scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void vectorKernelAgreesWithItsScalarTwinOnOddSizesForAnyThreadCount(Format f) {
    SplittableRandom r = new SplittableRandom(11);
    int[][] shapes = {{1, 1, 32}, {3, 7, 32}, {1, 67, 96}, {2, 33, 160}, {5, 131, 544}};
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int[] s : shapes) {
          int m = s[0], rows = s[1], cols = s[2];
          BlockMatrix w = f.quantize(gaussian(r, rows * cols, 0.05), rows, cols);
          float[] x = gaussian(r, 2 + m * cols, 1);
          float[] vec = new float[3 + m * rows];
          float[] ref = new float[3 + m * rows];
          w.mulNT(pool, x, 2, vec, 3, m);
          w.mulNTScalar(x, 2, ref, 3, m);
          float[] deq = w.toF32();
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < rows; j++) {
              // the three sum in different orders: within 1e-5 of the sum of magnitudes
              double mag = 0;
              double exact = 0;
              for (int p = 0; p < cols; p++) {
                mag += Math.abs(deq[j * cols + p] * x[2 + i * cols + p]);
                exact += (double) deq[j * cols + p] * x[2 + i * cols + p];
              }
              Offset<Float> near = Offset.offset((float) (1e-5 * mag + 1e-30));
              String where = "%s row %d of %d, output %d of %dx%d, %d threads";
              assertThat(vec[3 + i * rows + j])
                  .as(where, f, i, m, j, rows, cols, threads)
                  .isCloseTo(ref[3 + i * rows + j], near)
                  .isCloseTo((float) exact, near);
            }
          }
          assertThat(vec[0]).isZero();
          assertThat(vec[2]).isZero();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void aRowGetsTheSameBitsAloneInABatchAndOnAnyThreadCount(Format f) {
    SplittableRandom r = new SplittableRandom(5);
    int rows = 301, cols = 256, m = 13; // groups of eight and four rows of x, and one alone
    BlockMatrix w = f.quantize(gaussian(r, rows * cols, 0.05), rows, cols);
    float[] x = gaussian(r, m * cols, 1);
    float[] one = new float[m * rows];
    float[] three = new float[m * rows];
    try (ComputePool p1 = new ComputePool(1);
        ComputePool p3 = new ComputePool(3)) {
      w.mulNT(p1, x, 0, one, 0, m);
      w.mulNT(p3, x, 0, three, 0, m);
      assertThat(three).containsExactly(one);
      for (int i = 0; i < m; i++) {
        float[] alone = new float[rows];
        w.mulNT(p3, x, i * cols, alone, 0, 1);
        assertThat(alone)
            .as("%s row %d", f, i)
            .containsExactly(Arrays.copyOfRange(one, i * rows, (i + 1) * rows));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void fourRowsAtOnceGiveTheBitsOfOneRowAtATime(Format f) {
    // 7 rows in one task, halves 0-3 and 4-6: rows 0, 1, 4 and 5 by the four-row kernel (two rows
    // from each half), 2, 3 and 6 one at a time
    SplittableRandom r = new SplittableRandom(9);
    float[] w = gaussian(r, 7 * 96, 0.05);
    float[] x = gaussian(r, 96, 1);
    float[] y = new float[7];
    f.quantize(w, 7, 96).mulNT(ComputePool.common(), x, 0, y, 0, 1);
    for (int row = 0; row < 7; row++) {
      // the same row as the last of a 3-row matrix runs on the one-row kernel
      float[] three = new float[3 * 96];
      System.arraycopy(w, row * 96, three, 2 * 96, 96);
      float[] out = new float[3];
      f.quantize(three, 3, 96).mulNT(ComputePool.common(), x, 0, out, 0, 1);
      assertThat(out[2]).as("%s row %d", f, row).isEqualTo(y[row]);
    }
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void fusedProductsGiveTheBitsOfEachAlone(Format f) {
    SplittableRandom r = new SplittableRandom(8);
    int cols = 160;
    int[] rows = {37, 19, 53};
    BlockMatrix[] w = new BlockMatrix[3];
    for (int i = 0; i < 3; i++) {
      w[i] = f.quantize(gaussian(r, rows[i] * cols, 0.05), rows[i], cols);
    }
    float[] x = gaussian(r, 1 + cols, 1);
    try (ComputePool pool = new ComputePool(3)) {
      for (boolean three : new boolean[] {false, true}) {
        float[][] fused = {new float[37], new float[19], new float[53]};
        BlockMatrix.mulNT(
            pool, x, 1, w[0], fused[0], w[1], fused[1], three ? w[2] : null, fused[2]);
        for (int i = 0; i < (three ? 3 : 2); i++) {
          float[] alone = new float[rows[i]];
          w[i].mulNT(pool, x, 1, alone, 0, 1);
          assertThat(fused[i]).as("%s product %d", f, i).containsExactly(alone);
        }
        if (!three) {
          assertThat(fused[2]).containsOnly(0f);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Format.class)
  void refusesColumnsThatAreNotWholeBlocksAndShortOperands(Format f) {
    assertThatThrownBy(() -> f.quantize(new float[3 * 40], 3, 40))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a " + f + " matrix holds rows of whole blocks of 32")
        .hasMessageContaining("3 x 40")
        .hasMessageContaining("use f32 or bf16");
    assertThatThrownBy(() -> f.quantize(new float[65], 2, 32))
        .hasMessageContaining("weight of 65 values is not 2 x 32");
    BlockMatrix w = f.quantize(new float[64], 2, 32);
    assertThatThrownBy(() -> w.mulNT(ComputePool.common(), new float[31], 0, new float[2], 0, 1))
        .hasMessageContaining("needs 32 elements");
  }
}
