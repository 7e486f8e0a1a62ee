package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The packed product for every m ({@link Gemm#mulNTRows}) with f32, bf16, Q8_0 and Q4_0 weights:
 * against the product of the weights' f32 values in double precision on odd sizes (the block and
 * bf16 panels are widened by Vector API code, the reference is scalar), and the property prompts
 * prefilled together rest on: a row's bits do not depend on m, on its neighbours or on the thread
 * count.
 */
class GemmRowsTest {
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool THREE = new ComputePool(3);

  @AfterAll
  static void stop() {
    ONE.close();
    THREE.close();
  }

  private enum Kind {
    F32,
    BF16,
    Q8_0,
    Q4_0
  }

  /** The weights of one kind and their exact f32 values. */
  private record Weights(Kind kind, float[] f32, short[] bf16, BlockMatrix q8, float[] values) {
    static Weights of(Kind kind, float[] w, int n, int k) {
      return switch (kind) {
        case F32 -> new Weights(kind, w, null, null, w);
        case BF16 -> {
          short[] h = Bf16.fromFloat(w);
          yield new Weights(kind, null, h, null, Bf16.toFloat(h));
        }
        case Q8_0 -> {
          Q8Matrix q = Q8Matrix.quantize(w, n, k);
          yield new Weights(kind, null, null, q, q.toF32());
        }
        case Q4_0 -> {
          Q4Matrix q = Q4Matrix.quantize(w, n, k);
          yield new Weights(kind, null, null, q, q.toF32());
        }
      };
    }

    void mul(ComputePool pool, float[] a, int aOff, float[] c, int cOff, int m, int n, int k) {
      switch (kind) {
        case F32 -> Gemm.mulNTRows(pool, a, aOff, f32, 0, c, cOff, m, n, k);
        case BF16 -> Gemm.mulNTRows(pool, a, aOff, bf16, 0, c, cOff, m, n, k);
        case Q8_0, Q4_0 -> Gemm.mulNTRows(pool, a, aOff, q8, c, cOff, m);
      }
    }
  }

  @Test
  void everyWeightTypeAgreesWithTheDoublePrecisionProductOnOddSizes() {
    int[][] shapes = {{1, 7, 32}, {3, 17, 64}, {9, 65, 96}, {65, 49, 160}, {130, 193, 288}};
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2];
      float[] w = RandomArrays.uniform(n * 7L + k, n * k, 0.2f);
      float[] a = RandomArrays.uniform(m * 3L + 1, 5 + m * k, 1f);
      for (Kind kind : Kind.values()) {
        Weights wt = Weights.of(kind, w, n, k);
        for (ComputePool pool : new ComputePool[] {ONE, THREE}) {
          float[] c = new float[2 + m * n];
          wt.mul(pool, a, 5, c, 2, m, n, k);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              double ref = 0, mag = 0;
              for (int p = 0; p < k; p++) {
                double t = (double) a[5 + i * k + p] * wt.values()[j * k + p];
                ref += t;
                mag += Math.abs(t);
              }
              assertThat((double) c[2 + i * n + j])
                  .as("%s %dx%dx%d at (%d, %d)", kind, m, n, k, i, j)
                  .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
            }
          }
          assertThat(c[0]).isZero();
          assertThat(c[1]).isZero();
        }
      }
    }
  }

  @Test
  void aRowsBitsDoNotDependOnTheOtherRowsOrTheThreads() {
    int m = 11, n = 67, k = 224;
    float[] w = RandomArrays.uniform(21, n * k, 0.2f);
    float[] a = RandomArrays.uniform(22, m * k, 1f);
    for (Kind kind : Kind.values()) {
      Weights wt = Weights.of(kind, w, n, k);
      float[] all = new float[m * n];
      wt.mul(THREE, a, 0, all, 0, m, n, k);
      for (int r = 0; r < m; r++) {
        float[] alone = new float[n];
        wt.mul(ONE, a, r * k, alone, 0, 1, n, k);
        for (int j = 0; j < n; j++) {
          assertThat(Float.floatToRawIntBits(alone[j]))
              .as("%s row %d column %d", kind, r, j)
              .isEqualTo(Float.floatToRawIntBits(all[r * n + j]));
        }
      }
      float[] three = new float[3 * n];
      wt.mul(ONE, a, 4 * k, three, 0, 3, n, k);
      for (int i = 0; i < 3 * n; i++) {
        assertThat(three[i]).as("%s rows 4..6", kind).isEqualTo(all[4 * n + i]);
      }
    }
  }

  @Test
  void theNnProductAgreesWithDoublePrecisionAndKeepsARowsBitsAlone() {
    int[][] shapes = {{1, 7, 5}, {6, 64, 33}, {13, 65, 129}, {70, 33, 300}};
    for (int[] s : shapes) {
      int m = s[0], n = s[1], k = s[2];
      float[] a = RandomArrays.uniform(m * 5L + k, 3 + m * k, 1f);
      float[] b = RandomArrays.uniform(n * 9L + k, 4 + k * n, 0.5f);
      float[] c = new float[m * n];
      Gemm.mulNNRows(THREE, a, 3, b, 4, c, 0, m, n, k);
      for (int i = 0; i < m; i++) {
        float[] alone = new float[n];
        Gemm.mulNNRows(ONE, a, 3 + i * k, b, 4, alone, 0, 1, n, k);
        for (int j = 0; j < n; j++) {
          double ref = 0, mag = 0;
          for (int p = 0; p < k; p++) {
            double t = (double) a[3 + i * k + p] * b[4 + p * n + j];
            ref += t;
            mag += Math.abs(t);
          }
          assertThat((double) c[i * n + j])
              .as("%dx%dx%d at (%d, %d)", m, n, k, i, j)
              .isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-5 * mag + 1e-30));
          assertThat(Float.floatToRawIntBits(alone[j]))
              .as("%dx%dx%d row %d alone at %d", m, n, k, i, j)
              .isEqualTo(Float.floatToRawIntBits(c[i * n + j]));
        }
      }
    }
  }
}
