package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The batched mat-vec's Vector API kernel against its scalar twin on odd sizes (f32 and bf16
 * weights, one and three threads), and the property batching rests on: a row's output bits do not
 * depend on how many rows ran with it, nor on the thread count.
 */
class BatchMatVecTest {

  private static final int[][] SHAPES = {
    {1, 1, 1},
    {3, 7, 33},
    {5, 67, 129},
    {8, 133, 96},
    {9, 301, 1000},
    {2, 4, 16},
    {4, 9, 47},
    {7, 13, 95},
    {6, 130, 577},
    {8, 25, 577},
    {16, 31, 40},
    {17, 50, 33},
    {9, 3, 15}
  };

  @Test
  void vectorKernelAgreesWithItsScalarTwinOnOddSizes() {
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int[] s : SHAPES) {
          int m = s[0], n = s[1], k = s[2];
          float[] w = RandomArrays.uniform(n * 31L + k, n * k, 0.1f);
          short[] half = Bf16.fromFloat(w);
          float[] widened = Bf16.toFloat(half);
          float[] x = RandomArrays.uniform(m + 7L, 2 + m * k, 1f);
          for (boolean bf16 : new boolean[] {false, true}) {
            float[] vec = new float[3 + m * n];
            float[] ref = new float[3 + m * n];
            float[] dense = bf16 ? widened : w;
            if (bf16) {
              BatchMatVec.mulNT(pool, x, 2, half, vec, 3, m, n, k);
            } else {
              BatchMatVec.mulNT(pool, x, 2, w, vec, 3, m, n, k);
            }
            BatchMatVec.mulNTScalar(x, 2, dense, ref, 3, m, n, k);
            for (int i = 0; i < m * n; i++) {
              int r = i / n, j = i % n;
              double mag = 0;
              for (int p = 0; p < k; p++) {
                mag += Math.abs(dense[j * k + p] * x[2 + r * k + p]);
              }
              assertThat(vec[3 + i])
                  .as("%dx%dx%d bf16=%s threads=%d at %d", m, n, k, bf16, threads, i)
                  .isCloseTo(ref[3 + i], Offset.offset((float) (1e-5 * mag + 1e-30)));
            }
            assertThat(vec[0]).isZero();
            assertThat(vec[2]).isZero();
          }
        }
      }
    }
  }

  @Test
  void aRowsBitsDoNotDependOnTheBatchOrTheThreads() {
    int n = 203, k = 259, m = 9;
    float[] w = RandomArrays.uniform(5, n * k, 0.1f);
    short[] half = Bf16.fromFloat(w);
    float[] x = RandomArrays.uniform(6, m * k, 1f);
    try (ComputePool one = new ComputePool(1);
        ComputePool three = new ComputePool(3)) {
      for (boolean bf16 : new boolean[] {false, true}) {
        float[] batch = new float[m * n];
        run(three, x, 0, w, half, bf16, batch, m, n, k);
        for (int r = 0; r < m; r++) {
          float[] alone = new float[n];
          run(one, x, r * k, w, half, bf16, alone, 1, n, k);
          for (int j = 0; j < n; j++) {
            assertThat(Float.floatToRawIntBits(batch[r * n + j]))
                .as("row %d output %d bf16=%s", r, j, bf16)
                .isEqualTo(Float.floatToRawIntBits(alone[j]));
          }
        }
        // rows 2..6 as a batch of five: the same bits again
        float[] five = new float[5 * n];
        run(one, x, 2 * k, w, half, bf16, five, 5, n, k);
        for (int i = 0; i < 5 * n; i++) {
          assertThat(five[i]).isEqualTo(batch[2 * n + i]);
        }
      }
    }
  }

  @Test
  void productsFusedIntoOneLoopGetTheBitsOfEachAlone() {
    int k = 77;
    int[] ns = {70, 23, 9};
    for (int m : new int[] {1, 3, 8, 9}) {
      float[] x = RandomArrays.uniform(m * 3L, m * k, 1f);
      float[][] w = new float[3][];
      short[][] half = new short[3][];
      for (int i = 0; i < 3; i++) {
        w[i] = RandomArrays.uniform(40L + i, ns[i] * k, 0.1f);
        half[i] = Bf16.fromFloat(w[i]);
      }
      for (int threads : new int[] {1, 3}) {
        try (ComputePool pool = new ComputePool(threads)) {
          for (boolean bf16 : new boolean[] {false, true}) {
            for (int parts : new int[] {2, 3}) {
              float[][] fused = new float[3][];
              for (int i = 0; i < 3; i++) {
                fused[i] = new float[m * ns[i]];
              }
              BatchMatVec.Fused f = BatchMatVec.fused();
              for (int i = 0; i < parts; i++) {
                if (bf16) {
                  f.add(half[i], fused[i], ns[i]);
                } else {
                  f.add(w[i], fused[i], ns[i]);
                }
              }
              f.run(pool, x, 0, m, k);
              for (int i = 0; i < parts; i++) {
                float[] alone = new float[m * ns[i]];
                run(pool, x, 0, w[i], half[i], bf16, alone, m, ns[i], k);
                assertThat(fused[i])
                    .as("part %d of %d, m=%d bf16=%s threads=%d", i, parts, m, bf16, threads)
                    .containsExactly(alone);
              }
              if (parts == 2) {
                assertThat(fused[2]).containsOnly(0f);
              }
            }
          }
        }
      }
    }
  }

  private static void run(
      ComputePool pool,
      float[] x,
      int xOff,
      float[] w,
      short[] half,
      boolean bf16,
      float[] y,
      int m,
      int n,
      int k) {
    if (bf16) {
      BatchMatVec.mulNT(pool, x, xOff, half, y, 0, m, n, k);
    } else {
      BatchMatVec.mulNT(pool, x, xOff, w, y, 0, m, n, k);
    }
  }

  @Test
  void operandsTooSmallAreRefusedWithTheirSizes() {
    try (ComputePool pool = new ComputePool(1)) {
      assertThatThrownBy(
              () ->
                  BatchMatVec.mulNT(pool, new float[4], 0, new float[5], new float[2], 0, 2, 1, 4))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("x holds 4 for 2 x 4");
    }
  }
}
