package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The fused decode mat-vecs (f32, bf16 and Q8_0) against the products one at a time (the same bits,
 * for one and three threads, two and three products) and against a scalar in-order sum in double
 * precision on odd sizes (k not a multiple of the vector width: the masked tail).
 */
class FusedMatVecTest {

  private static final int[][] SHAPES = {
    {1, 2, 1, 3}, {7, 3, 5, 33}, {67, 13, 29, 129}, {200, 64, 64, 172}, {96, 32, 32, 576}
  };

  @Test
  void fusedProductsEqualTheProductsOneAtATimeAndTheScalarSums() {
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int[] s : SHAPES) {
          int n0 = s[0], n1 = s[1], n2 = s[2], k = s[3];
          float[][] w = {
            RandomArrays.uniform(n0 + 31L * k, n0 * k, 0.1f),
            RandomArrays.uniform(n1 + 37L * k, n1 * k, 0.1f),
            RandomArrays.uniform(n2 + 41L * k, n2 * k, 0.1f)
          };
          float[] x = RandomArrays.uniform(k + 5L, 3 + k, 1f);
          for (boolean bf16 : new boolean[] {false, true}) {
            short[][] h = {Bf16.fromFloat(w[0]), Bf16.fromFloat(w[1]), Bf16.fromFloat(w[2])};
            for (boolean three : new boolean[] {false, true}) {
              int[] n = {n0, n1, three ? n2 : 0};
              float[][] fused = {new float[n0 + 2], new float[n1 + 2], new float[n2 + 2]};
              if (bf16) {
                FusedMatVec.mulNT(
                    pool,
                    x,
                    3,
                    k,
                    h[0],
                    fused[0],
                    n0,
                    h[1],
                    fused[1],
                    n1,
                    three ? h[2] : null,
                    fused[2],
                    n2);
              } else {
                FusedMatVec.mulNT(
                    pool,
                    x,
                    3,
                    k,
                    w[0],
                    fused[0],
                    n0,
                    w[1],
                    fused[1],
                    n1,
                    three ? w[2] : null,
                    fused[2],
                    n2);
              }
              for (int i = 0; i < 3; i++) {
                float[] alone = new float[n[i] + 2];
                if (n[i] > 0) {
                  if (bf16) {
                    MatVec.mulNT(pool, x, 3, h[i], 0, alone, 0, n[i], k, false);
                  } else {
                    MatVec.mulNT(pool, x, 3, w[i], 0, alone, 0, n[i], k, false);
                  }
                }
                float[] dense = bf16 ? Bf16.toFloat(h[i]) : w[i];
                for (int j = 0; j < n[i]; j++) {
                  assertThat(Float.floatToRawIntBits(fused[i][j]))
                      .as(
                          "product %d row %d of %dx%d bf16=%s threads=%d",
                          i, j, n[i], k, bf16, threads)
                      .isEqualTo(Float.floatToRawIntBits(alone[j]));
                  double ref = 0, mag = 0;
                  for (int p = 0; p < k; p++) {
                    ref += (double) dense[j * k + p] * x[3 + p];
                    mag += Math.abs((double) dense[j * k + p] * x[3 + p]);
                  }
                  assertThat((double) fused[i][j])
                      .isCloseTo(ref, Offset.offset(1e-5 * mag + 1e-30));
                }
                assertThat(fused[i][n[i]]).isZero();
              }
            }
          }
        }
      }
    }
  }

  @Test
  void fusedQ8ProductsEqualTheProductsOneAtATime() {
    SplittableRandom r = new SplittableRandom(3);
    int[][] shapes = {{1, 2, 1, 32}, {7, 3, 5, 64}, {67, 13, 29, 160}, {200, 64, 64, 576}};
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int[] s : shapes) {
          int k = s[3];
          Q8Matrix[] q = new Q8Matrix[3];
          for (int i = 0; i < 3; i++) {
            float[] w = new float[s[i] * k];
            for (int j = 0; j < w.length; j++) {
              w[j] = (float) r.nextGaussian() * 0.05f;
            }
            q[i] = Q8Matrix.quantize(w, s[i], k);
          }
          float[] x = RandomArrays.uniform(k, 1 + k, 1f);
          for (boolean three : new boolean[] {false, true}) {
            float[][] fused = {new float[s[0]], new float[s[1]], new float[s[2]]};
            Q8Matrix.mulNT(
                pool, x, 1, q[0], fused[0], q[1], fused[1], three ? q[2] : null, fused[2]);
            for (int i = 0; i < (three ? 3 : 2); i++) {
              float[] alone = new float[s[i]];
              q[i].mulNT(pool, x, 1, alone, 0, 1);
              for (int j = 0; j < s[i]; j++) {
                assertThat(Float.floatToRawIntBits(fused[i][j]))
                    .as("product %d row %d, %d threads", i, j, threads)
                    .isEqualTo(Float.floatToRawIntBits(alone[j]));
              }
            }
            if (!three) {
              assertThat(fused[2]).containsOnly(0f);
            }
          }
        }
      }
    }
  }

  @Test
  void aWeightOfTheWrongShapeIsRefusedWithItsShape() {
    try (ComputePool pool = new ComputePool(1)) {
      assertThatThrownBy(
              () ->
                  FusedMatVec.mulNT(
                      pool,
                      new float[4],
                      0,
                      4,
                      new float[8],
                      new float[2],
                      2,
                      new float[7],
                      new float[2],
                      2,
                      null,
                      null,
                      0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("7 values is not 2 x 4");
    }
  }
}
