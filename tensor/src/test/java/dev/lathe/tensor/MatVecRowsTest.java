package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The decode mat-vec computes rows two at a time (the two halves of each task's range in step), one
 * at a time for the middle row of an odd range, and sixteen at a time, reduced together, for small
 * products (one at a time for their last rows, or on a machine without sixteen lanes). Every row
 * must get the same bits either way, for any thread count, so each product here is checked bit for
 * bit against the same rows computed one per call (which always takes the one-row kernel), and
 * against a double-precision sum. The shapes are odd: k not a multiple of the vector width (the
 * masked tail), k below one vector, odd and even row counts, and a weight offset. f32, bf16 and
 * bf16 in a (native, odd-offset) segment.
 */
class MatVecRowsTest {

  private static final int[][] SHAPES = {
    // products of fewer than MatVec.SMALL multiply-adds run sixteen rows at a time, larger in pairs
    {1, 1},
    {2, 15},
    {3, 33},
    {4, 16},
    {5, 64},
    {17, 129},
    {33, 583},
    {67, 47},
    {200, 64},
    {96, 577},
    {67, 583},
    {130, 257},
    {301, 129},
    {64, 512}
  };

  private enum Source {
    F32,
    BF16,
    SEGMENT
  }

  @Test
  void pairedRowsGetTheBitsOfRowsComputedAloneForEveryThreadCount() {
    for (int threads : new int[] {1, 2, 3}) {
      try (ComputePool pool = new ComputePool(threads);
          Arena arena = Arena.ofShared()) {
        for (int[] s : SHAPES) {
          int n = s[0], k = s[1];
          int wOff = 7;
          float[] dense = RandomArrays.uniform(n * 13L + k, wOff + n * k, 0.1f);
          short[] half = Bf16.fromFloat(dense);
          // a native segment one byte into an allocation: no alignment to lean on
          MemorySegment seg = arena.allocate(2L * half.length + 1).asSlice(1);
          for (int i = 0; i < half.length; i++) {
            seg.set(
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                2L * i,
                half[i]);
          }
          float[] x = RandomArrays.uniform(k + 3L, 2 + k, 1f);
          for (Source src : Source.values()) {
            for (boolean acc : new boolean[] {false, true}) {
              float[] start = RandomArrays.uniform(n + 5L, 1 + n + 1, 1f);
              float[] all = start.clone();
              mul(pool, src, x, dense, half, seg, wOff, all, 1, n, k, acc);
              float[] alone = start.clone();
              for (int j = 0; j < n; j++) {
                mul(pool, src, x, dense, half, seg, wOff + j * k, alone, 1 + j, 1, k, acc);
              }
              float[] w = src == Source.F32 ? dense : Bf16.toFloat(half);
              for (int j = 0; j < n; j++) {
                assertThat(Float.floatToRawIntBits(all[1 + j]))
                    .as("%s row %d of %dx%d, threads %d, accumulate %s", src, j, n, k, threads, acc)
                    .isEqualTo(Float.floatToRawIntBits(alone[1 + j]));
                double ref = acc ? start[1 + j] : 0, mag = Math.abs(ref);
                for (int p = 0; p < k; p++) {
                  double t = (double) w[wOff + j * k + p] * x[2 + p];
                  ref += t;
                  mag += Math.abs(t);
                }
                assertThat((double) all[1 + j])
                    .as("%s row %d of %dx%d against the double sum", src, j, n, k)
                    .isCloseTo(ref, Offset.offset(1e-5 * mag + 1e-30));
              }
              assertThat(all[0]).isEqualTo(start[0]);
              assertThat(all[n + 1]).isEqualTo(start[n + 1]);
            }
          }
        }
      }
    }
  }

  private static void mul(
      ComputePool pool,
      Source src,
      float[] x,
      float[] dense,
      short[] half,
      MemorySegment seg,
      int wOff,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean acc) {
    switch (src) {
      case F32 -> MatVec.mulNT(pool, x, 2, dense, wOff, y, yOff, n, k, acc);
      case BF16 -> MatVec.mulNT(pool, x, 2, half, wOff, y, yOff, n, k, acc);
      case SEGMENT -> MatVec.mulNT(pool, x, 2, seg, wOff, y, yOff, n, k, acc);
    }
  }
}
