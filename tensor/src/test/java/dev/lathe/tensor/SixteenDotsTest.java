package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The sixteen dot products reduced together against each computed alone (one accumulator, {@link
 * MatVec#reduce}'s tree): the same bits, on vector parts of one to several vectors, strides longer
 * than a row, and offsets.
 */
class SixteenDotsTest {

  @Test
  void availableExactlyOnSixteenLanes() {
    assertThat(SixteenDots.AVAILABLE).isEqualTo(MatVec.L == 16);
  }

  @Test
  void eachSumHasTheBitsOfItsRowReducedAlone() {
    if (!SixteenDots.AVAILABLE) {
      return; // the kernel is for sixteen lanes; the callers take one row at a time elsewhere
    }
    int[][] shapes = {{16, 16}, {16, 37}, {64, 64}, {64, 71}, {48, 80}, {128, 128}, {96, 101}};
    for (int[] shape : shapes) {
      int hv = shape[0];
      int stride = shape[1];
      float[] x = RandomArrays.uniform(hv + stride, 3 + hv, 2f);
      float[] w = RandomArrays.uniform(stride, 5 + 16 * stride, 2f);
      float[] out = new float[2 + 16];
      SixteenDots.dots(x, 3, w, 5, stride, hv, out, 2, new float[16 * MatVec.L]);
      for (int r = 0; r < 16; r++) {
        FloatVector acc = FloatVector.zero(MatVec.F);
        for (int d = 0; d < hv; d += MatVec.L) {
          acc =
              FloatVector.fromArray(MatVec.F, x, 3 + d)
                  .fma(FloatVector.fromArray(MatVec.F, w, 5 + r * stride + d), acc);
        }
        assertThat(Float.floatToRawIntBits(out[2 + r]))
            .as("row %d of hv=%d stride=%d", r, hv, stride)
            .isEqualTo(Float.floatToRawIntBits(MatVec.reduce(acc)));
      }
      assertThat(out[0]).isZero();
      assertThat(out[1]).isZero();
    }
  }
}
