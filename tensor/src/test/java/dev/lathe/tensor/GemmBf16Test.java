package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * bf16-weight {@code mulNT} (array and memory segment, matrix and decode mat-vec) against the
 * product of the widened weights in double precision, with the same bound as the f32 paths, and
 * array vs segment vs thread count giving identical bits.
 */
class GemmBf16Test {
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool TWO = new ComputePool(2);

  @AfterAll
  static void stop() {
    ONE.close();
    TWO.close();
  }

  @Test
  void bf16WeightsMatchWidenedDoublePrecisionReference() {
    int[][] shapes = {
      {1, 7, 3},
      {1, 65, 129},
      {1, 577, 1000},
      {3, 17, 33},
      {65, 33, 129},
      {129, 193, 300},
      {2, 9, 17}
    };
    long seed = 3;
    try (Arena arena = Arena.ofShared()) {
      for (int[] s : shapes) {
        int m = s[0];
        int n = s[1];
        int k = s[2];
        Random r = new Random(seed++);
        float[] a = GemmTest.fill(r, 2 + m * k);
        short[] w = Bf16.fromFloat(GemmTest.fill(r, 4 + n * k));
        MemorySegment seg = arena.allocate(2L * w.length, 2);
        MemorySegment.copy(w, 0, seg, ValueLayout.JAVA_SHORT_UNALIGNED, 0, w.length);
        float[] c0 = GemmTest.fill(r, 1 + m * n);
        for (boolean acc : new boolean[] {false, true}) {
          float[] fromArray = c0.clone();
          Gemm.mulNT(TWO, a, 2, w, 4, fromArray, 1, m, n, k, acc);
          float[] fromSegment = c0.clone();
          Gemm.mulNT(TWO, a, 2, seg, 4, fromSegment, 1, m, n, k, acc);
          float[] oneThread = c0.clone();
          Gemm.mulNT(ONE, a, 2, seg, 4, oneThread, 1, m, n, k, acc);
          float[] scalar = c0.clone();
          GemmScalar.mulNT(a, 2, seg, 4, scalar, 1, m, n, k, acc);
          assertThat(fromSegment).isEqualTo(fromArray);
          assertThat(oneThread).isEqualTo(fromArray);
          assertClose(a, w, c0, fromArray, m, n, k, acc);
          assertClose(a, w, c0, scalar, m, n, k, acc);
        }
      }
    }
  }

  private static void assertClose(
      float[] a, short[] w, float[] c0, float[] c, int m, int n, int k, boolean acc) {
    assertThat(c[0]).isEqualTo(c0[0]);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double start = acc ? c0[1 + i * n + j] : 0;
        double exact = start;
        double magnitude = Math.abs(start);
        for (int p = 0; p < k; p++) {
          double t = (double) a[2 + i * k + p] * Bf16.toFloat(w[4 + j * k + p]);
          exact += t;
          magnitude += Math.abs(t);
        }
        double bound = (k + 2) * Math.ulp(1f) * magnitude;
        assertThat(Math.abs(c[1 + i * n + j] - exact))
            .as("m=%d n=%d k=%d acc=%s at (%d,%d)", m, n, k, acc, i, j)
            .isLessThanOrEqualTo(bound);
      }
    }
  }
}
