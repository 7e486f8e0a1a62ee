package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fast GEMM paths and the scalar reference against a double-precision product, on odd sizes,
 * non-zero offsets and with accumulation on and off. The bound is the usual one for a float dot
 * product of length k: |err| ≤ 2·(k+2)·2⁻²⁴·(Σ|a·b| + |c₀|), whatever the summation order.
 */
class GemmTest {
  private static final int[] SIZES = {1, 3, 7, 17, 33, 65, 129};
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool TWO = new ComputePool(2);
  private static final ComputePool THREE = new ComputePool(3);

  @AfterAll
  static void stop() {
    ONE.close();
    TWO.close();
    THREE.close();
  }

  enum Layout {
    NT,
    NN,
    TN
  }

  /** Operands with garbage around them, so offsets and out-of-range writes are exercised. */
  record Case(Layout layout, int m, int n, int k, float[] a, float[] b, float[] c0) {
    static final int A_OFF = 3;
    static final int B_OFF = 5;
    static final int C_OFF = 7;

    static Case random(Layout layout, int m, int n, int k, long seed) {
      Random r = new Random(seed);
      return new Case(
          layout,
          m,
          n,
          k,
          fill(r, A_OFF + m * k + 2),
          fill(r, B_OFF + n * k + 2),
          fill(r, C_OFF + m * n + 4));
    }

    float a(int i, int p) {
      return layout == Layout.TN ? a[A_OFF + p * m + i] : a[A_OFF + i * k + p];
    }

    float b(int p, int j) {
      return layout == Layout.NT ? b[B_OFF + j * k + p] : b[B_OFF + p * n + j];
    }

    float[] run(ComputePool pool, boolean accumulate) {
      float[] c = c0.clone();
      switch (layout) {
        case NT -> Gemm.mulNT(pool, a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
        case NN -> Gemm.mulNN(pool, a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
        case TN -> Gemm.mulTN(pool, a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
      }
      return c;
    }

    float[] runScalar(boolean accumulate) {
      float[] c = c0.clone();
      switch (layout) {
        case NT -> GemmScalar.mulNT(a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
        case NN -> GemmScalar.mulNN(a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
        case TN -> GemmScalar.mulTN(a, A_OFF, b, B_OFF, c, C_OFF, m, n, k, accumulate);
      }
      return c;
    }

    void assertClose(float[] c, boolean accumulate, String what) {
      for (int i = 0; i < C_OFF; i++) {
        assertThat(c[i]).as("%s wrote before C", what).isEqualTo(c0[i]);
      }
      for (int i = C_OFF + m * n; i < c.length; i++) {
        assertThat(c[i]).as("%s wrote after C", what).isEqualTo(c0[i]);
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double start = accumulate ? c0[C_OFF + i * n + j] : 0;
          double exact = start;
          double magnitude = Math.abs(start);
          for (int p = 0; p < k; p++) {
            double t = (double) a(i, p) * b(p, j);
            exact += t;
            magnitude += Math.abs(t);
          }
          double bound = 2.0 * (k + 2) * Math.ulp(1f) / 2 * magnitude;
          double got = c[C_OFF + i * n + j];
          assertThat(Math.abs(got - exact))
              .as("%s %s m=%d n=%d k=%d acc=%s at (%d,%d)", what, layout, m, n, k, accumulate, i, j)
              .isLessThanOrEqualTo(bound);
        }
      }
    }
  }

  static float[] fill(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void fastAndScalarPathsMatchDoublePrecisionOnOddSizes() {
    long seed = 1;
    for (Layout layout : Layout.values()) {
      for (int m : SIZES) {
        for (int n : SIZES) {
          for (int k : SIZES) {
            Case t = Case.random(layout, m, n, k, seed++);
            boolean accumulate = (seed & 1) == 0;
            t.assertClose(t.run(TWO, accumulate), accumulate, "fast");
            t.assertClose(t.runScalar(accumulate), accumulate, "scalar");
          }
        }
      }
    }
  }

  @Test
  void shapesAcrossSeveralBlocksInBothAccumulateModes() {
    int[][] shapes = {{250, 401, 300}, {6, 32, 128}, {121, 193, 129}, {2, 700, 3}};
    for (Layout layout : Layout.values()) {
      for (int[] s : shapes) {
        Case t = Case.random(layout, s[0], s[1], s[2], 42);
        for (boolean accumulate : new boolean[] {false, true}) {
          t.assertClose(t.run(TWO, accumulate), accumulate, "fast");
        }
      }
    }
  }

  @Test
  void operandsLargerThanOnePackedChunk() {
    int big = GemmPacked.PACK_LIMIT / 2000 + 150; // rows of k=2000 floats: more than one chunk
    Case tallA = Case.random(Layout.NT, big, 5, 2000, 7);
    tallA.assertClose(tallA.run(TWO, true), true, "chunked A");
    Case wideB = Case.random(Layout.NN, 7, big, 2000, 8);
    wideB.assertClose(wideB.run(TWO, false), false, "chunked B");
  }

  /**
   * A k long enough to be cut into packed slices (dX = dLogits · W over a vocabulary) gives the
   * bits of one FMA chain per element in order of k, as an unsliced product does: C carries the
   * chains exactly from one slice to the next.
   */
  @Test
  void slicedDepthGivesTheBitsOfOneFmaChain() {
    int k = 2 * GemmTiling.NATIVE.kSlice() + 13;
    for (Layout layout : Layout.values()) {
      assertOneFmaChainPerElement(Case.random(layout, 9, 37, k, 11));
    }
  }

  /**
   * A C at most one vector wide (a LoRA rank: x·Aᵀ, dy·B, dyᵀ·xs) runs on narrow panels and gives
   * the same bits as the wide kernel: one FMA chain per element in order of k, edges included.
   */
  @Test
  void narrowProductsGiveTheBitsOfOneFmaChain() {
    int lanes = GemmMicroKernel.L;
    int[][] shapes = {
      {2, 1, 3}, {7, 5, 33}, {13, lanes - 1, 129}, {6, lanes, 65}, {300, 16, 1290}, {1030, 16, 96}
    };
    for (Layout layout : Layout.values()) {
      for (int[] s : shapes) {
        assertOneFmaChainPerElement(Case.random(layout, s[0], s[1], s[2], 12));
      }
    }
  }

  private static void assertOneFmaChainPerElement(Case t) {
    for (boolean accumulate : new boolean[] {false, true}) {
      float[] c = t.run(TWO, accumulate);
      t.assertClose(c, accumulate, "fast");
      for (int i = 0; i < t.m; i++) {
        for (int j = 0; j < t.n; j++) {
          float acc = accumulate ? t.c0[Case.C_OFF + i * t.n + j] : 0f;
          for (int p = 0; p < t.k; p++) {
            acc = Math.fma(t.a(i, p), t.b(p, j), acc);
          }
          assertThat(c[Case.C_OFF + i * t.n + j])
              .as(
                  "%s m=%d n=%d k=%d (%d, %d) accumulate %s",
                  t.layout, t.m, t.n, t.k, i, j, accumulate)
              .isEqualTo(acc);
        }
      }
    }
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() {
    // 2101 columns: 11 column blocks of 192, cut into more row groups on 2 and 3 threads
    int[][] shapes = {
      {129, 65, 33}, {250, 401, 300}, {1, 1000, 577}, {3, 129, 1000}, {200, 70, 2101}
    };
    for (Layout layout : Layout.values()) {
      for (int[] s : shapes) {
        Case t = Case.random(layout, s[0], s[1], s[2], 9);
        for (boolean accumulate : new boolean[] {false, true}) {
          float[] one = t.run(ONE, accumulate);
          assertThat(t.run(TWO, accumulate)).as("%s %s", layout, s).isEqualTo(one);
          assertThat(t.run(THREE, accumulate)).as("%s %s", layout, s).isEqualTo(one);
        }
      }
    }
  }

  @Test
  void rowGroupsGiveEveryThreadAsManyTasksWhileTheyAreFew() {
    assertThat(GemmPacked.rowGroups(11, 240, 1)).isEqualTo(1);
    assertThat(GemmPacked.rowGroups(11, 240, 2)).isEqualTo(2); // 22 tasks, not 11
    assertThat(GemmPacked.rowGroups(11, 240, 3)).isEqualTo(3); // 33
    assertThat(GemmPacked.rowGroups(8, 240, 2)).isEqualTo(1);
    assertThat(GemmPacked.rowGroups(2, 240, 2)).isEqualTo(3); // the minimum of 6 tasks
    assertThat(GemmPacked.rowGroups(17, 240, 2)).isEqualTo(1); // 17 >= 8 per thread already
    assertThat(GemmPacked.rowGroups(11, 1, 2)).isEqualTo(1); // one A panel cannot be split
    assertThat(GemmPacked.rowGroups(1, 4, 2)).isEqualTo(4);
  }

  @Test
  void rowChunksAreEvenWholePanelsWithinThePackingLimit() {
    assertThat(GemmPacked.rowChunk(2048, 2048, 8)).isEqualTo(2048); // one chunk, not 2040 + 8
    assertThat(GemmPacked.rowChunk(512, 576, 8)).isEqualTo(512);
    int limitRows = GemmPacked.PACK_LIMIT / 2000 / 8 * 8; // 2096 rows of k = 2000
    assertThat(GemmPacked.rowChunk(limitRows + 1, 2000, 8)).isEqualTo(1056); // two halves
    assertThat(GemmPacked.rowChunk(5, 1 << 23, 6)).isEqualTo(6); // at least one panel
    for (int m : new int[] {1, 7, 2049, 4100, 9001}) {
      int chunk = GemmPacked.rowChunk(m, 2000, 8);
      assertThat(chunk % 8).isZero();
      assertThat((long) chunk * 2000).isLessThanOrEqualTo(GemmPacked.PACK_LIMIT);
      int chunks = (m + chunk - 1) / chunk;
      assertThat(chunks).isEqualTo((m + limitRows - 1) / limitRows); // no more chunks than needed
    }
  }

  @Test
  void emptyShapesAndZeroDepth() {
    float[] c = {1, 2, 3, 4};
    Gemm.mulNT(TWO, new float[0], 0, new float[0], 0, c, 0, 2, 2, 0, true);
    assertThat(c).containsExactly(1, 2, 3, 4);
    Gemm.mulNN(TWO, new float[0], 0, new float[0], 0, c, 0, 2, 2, 0, false);
    assertThat(c).containsExactly(0, 0, 0, 0);
    Gemm.mulTN(TWO, new float[0], 0, new float[10], 0, c, 0, 0, 2, 5, false);
    assertThat(c).containsExactly(0, 0, 0, 0);
  }

  @Test
  void shapesThatDoNotFitTheArraysAreRejectedWithTheOperandNamed() {
    float[] a = new float[6];
    float[] b = new float[6];
    float[] c = new float[4];
    assertThatThrownBy(() -> Gemm.mulNT(a, 1, b, 0, c, 0, 2, 2, 3, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mulNT: A needs 6 elements (m*k = 2*3) from offset 1");
    assertThatThrownBy(() -> Gemm.mulNN(a, 0, b, 0, c, 0, 2, 3, 3, false))
        .hasMessageContaining("B needs 9 elements");
    assertThatThrownBy(() -> Gemm.mulTN(a, 0, b, 0, c, 0, -1, 2, 3, false))
        .hasMessageContaining("negative dimension");
  }

  @Test
  void simdSwitchAcceptsOnlyTrueOrFalse() {
    String before = System.getProperty(Gemm.SIMD_PROPERTY);
    try {
      System.setProperty(Gemm.SIMD_PROPERTY, "false");
      assertThat(Gemm.simdEnabled()).isFalse();
      System.setProperty(Gemm.SIMD_PROPERTY, "true");
      assertThat(Gemm.simdEnabled()).isTrue();
      System.setProperty(Gemm.SIMD_PROPERTY, "maybe");
      assertThatThrownBy(Gemm::simdEnabled).hasMessageContaining("must be true or false");
    } finally {
      if (before == null) {
        System.clearProperty(Gemm.SIMD_PROPERTY);
      } else {
        System.setProperty(Gemm.SIMD_PROPERTY, before);
      }
    }
  }
}
