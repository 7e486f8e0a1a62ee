package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fused, masked low-rank products on odd sizes, with and without a dropout mask: bit-identical
 * to their scalar twins, to one and two threads, and to the packed GEMM over an explicitly masked
 * copy of the input (which they replace).
 */
class LowRankTest {
  private static final ComputePool ONE = new ComputePool(1);
  private static final ComputePool TWO = new ComputePool(2);
  private static final int[] ROWS = {1, 2, 3, 17, 40, 130};
  private static final int[] IN = {7, 33, 129, 200};
  private static final int[] RANKS = {1, 4, 16, 19};

  @AfterAll
  static void stop() {
    ONE.close();
    TWO.close();
  }

  /** A mask dropping about 30% of the elements, one bit each, rows on word boundaries. */
  private static long[] mask(Random rnd, int n, int in) {
    int words = LowRank.words(in);
    long[] m = new long[n * words];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < in; p++) {
        if (rnd.nextDouble() < 0.3) {
          m[i * words + (p >>> 6)] |= 1L << p;
        }
      }
    }
    return m;
  }

  /** x · keep with the dropped elements set to 0, as a copy; x itself without a mask. */
  private static float[] masked(float[] x, long[] m, float keep, int n, int in) {
    if (m == null) {
      return x.clone();
    }
    float[] out = new float[x.length];
    int words = LowRank.words(in);
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < in; p++) {
        boolean off = ((m[i * words + (p >>> 6)] >>> p) & 1) != 0;
        out[i * in + p] = off ? 0f : x[i * in + p] * keep;
      }
    }
    return out;
  }

  @Test
  void projectAccumulateAAndInputGradientMatchScalarTwinsThreadsAndThePackedGemm() {
    long seed = 5;
    float keep = 1 / 0.7f;
    float scale = 2f;
    for (int n : ROWS) {
      for (int in : IN) {
        for (int r : RANKS) {
          Random rnd = new Random(seed++);
          float[] x = GemmTest.fill(rnd, n * in);
          float[] a = GemmTest.fill(rnd, r * in);
          float[] d = GemmTest.fill(rnd, n * r);
          float[] da0 = GemmTest.fill(rnd, r * in);
          float[] dx0 = GemmTest.fill(rnd, n * in);
          for (long[] m : new long[][] {null, mask(rnd, n, in)}) {
            String what = "n=%d in=%d r=%d mask=%s".formatted(n, in, r, m != null);
            float[] mx = masked(x, m, keep, n, in);
            // project: y = scale · m(x) · Aᵀ
            float[] y2 = new float[n * r];
            LowRank.project(TWO, x, m, keep, a, y2, scale, n, in, r);
            float[] y1 = new float[n * r];
            LowRank.project(ONE, x, m, keep, a, y1, scale, n, in, r);
            float[] ys = new float[n * r];
            LowRank.projectScalar(x, m, keep, a, ys, scale, n, in, r, false);
            float[] yg = new float[n * r];
            Gemm.mulNT(TWO, mx, 0, a, 0, yg, 0, n, r, in, false);
            for (int i = 0; i < yg.length; i++) {
              yg[i] *= scale;
            }
            assertThat(y2).as("project " + what).containsExactly(ys);
            assertThat(y1).as("project 1 thread " + what).containsExactly(ys);
            if (n > 1 && r > 1) { // the m = 1 or n = 1 products take the mat-vec path instead
              assertThat(ys).as("project vs gemm " + what).containsExactly(yg);
            }
            if (m == null) { // the B side: dxs = scale · dy · B, dB += dyᵀ · xs
              float[] bt = GemmTest.fill(rnd, in * r); // B (in = out rows, r)
              float[] z2 = new float[n * r];
              LowRank.projectThrough(TWO, x, bt, z2, scale, n, in, r);
              float[] z1 = new float[n * r];
              LowRank.projectThrough(ONE, x, bt, z1, scale, n, in, r);
              float[] zs = new float[n * r];
              LowRank.projectScalar(x, null, 1f, bt, zs, scale, n, in, r, true);
              float[] zg = new float[n * r];
              Gemm.mulNN(TWO, x, 0, bt, 0, zg, 0, n, r, in, false);
              for (int i = 0; i < zg.length; i++) {
                zg[i] *= scale;
              }
              assertThat(z2).as("projectThrough " + what).containsExactly(zs);
              assertThat(z1).as("projectThrough 1 thread " + what).containsExactly(zs);
              float[] db0 = GemmTest.fill(rnd, in * r);
              float[] db2 = db0.clone();
              LowRank.accumulateB(TWO, x, d, db2, n, in, r);
              float[] db1 = db0.clone();
              LowRank.accumulateB(ONE, x, d, db1, n, in, r);
              float[] dbs = db0.clone();
              LowRank.accumulateBScalar(x, d, dbs, n, in, r);
              float[] dbg = db0.clone();
              Gemm.mulTN(TWO, x, 0, d, 0, dbg, 0, in, r, n, true);
              assertThat(db2).as("accumulateB " + what).containsExactly(dbs);
              assertThat(db1).as("accumulateB 1 thread " + what).containsExactly(dbs);
              if (n > 1 && r > 1) {
                assertThat(zs).as("projectThrough vs gemm " + what).containsExactly(zg);
                assertThat(dbs).as("accumulateB vs gemm " + what).containsExactly(dbg);
              }
            }
            // accumulateA: dA += dᵀ · m(x)
            float[] da2 = da0.clone();
            LowRank.accumulateA(TWO, d, x, m, keep, da2, n, in, r);
            float[] da1 = da0.clone();
            LowRank.accumulateA(ONE, d, x, m, keep, da1, n, in, r);
            float[] das = da0.clone();
            LowRank.accumulateAScalar(d, x, m, keep, das, n, in, r);
            float[] dag = da0.clone();
            Gemm.mulTN(TWO, d, 0, mx, 0, dag, 0, r, in, n, true);
            assertThat(da2).as("accumulateA " + what).containsExactly(das);
            assertThat(da1).as("accumulateA 1 thread " + what).containsExactly(das);
            if (n > 1 && r > 1) {
              assertThat(das).as("accumulateA vs gemm " + what).containsExactly(dag);
            }
            // inputGradient: dx += m'(d · A)
            float[] dx2 = dx0.clone();
            LowRank.inputGradient(TWO, d, a, m, keep, dx2, n, in, r);
            float[] dx1 = dx0.clone();
            LowRank.inputGradient(ONE, d, a, m, keep, dx1, n, in, r);
            float[] dxs = dx0.clone();
            LowRank.inputGradientScalar(d, a, m, keep, dxs, n, in, r);
            float[] dxg = dx0.clone();
            if (m == null) {
              Gemm.mulNN(TWO, d, 0, a, 0, dxg, 0, n, in, r, true);
            } else {
              float[] t = new float[n * in];
              Gemm.mulNN(TWO, d, 0, a, 0, t, 0, n, in, r, false);
              float[] mt = masked(t, m, 1f, n, in);
              for (int i = 0; i < t.length; i++) {
                dxg[i] += mt[i] * keep;
              }
            }
            assertThat(dx2).as("inputGradient " + what).containsExactly(dxs);
            assertThat(dx1).as("inputGradient 1 thread " + what).containsExactly(dxs);
            if (n > 1) {
              assertThat(dxs).as("inputGradient vs gemm " + what).containsExactly(dxg);
            }
          }
        }
      }
    }
  }

  /**
   * The backward pair is the gradient of the forward: for {@code loss = Σ w ⊙ project(x, A)} with a
   * fixed mask, {@code accumulateA} (given {@code d = scale · w}) and {@code inputGradient} match
   * central finite differences of the loss evaluated in double precision.
   */
  @Test
  void backwardMatchesDoubleFiniteDifferencesThroughTheMask() {
    int n = 5;
    int in = 37;
    int r = 3;
    float keep = 1 / 0.8f;
    float scale = 1.5f;
    Random rnd = new Random(17);
    float[] x = GemmTest.fill(rnd, n * in);
    float[] a = GemmTest.fill(rnd, r * in);
    float[] w = GemmTest.fill(rnd, n * r);
    for (long[] m : new long[][] {null, mask(rnd, n, in)}) {
      float[] d = new float[n * r];
      for (int i = 0; i < d.length; i++) {
        d[i] = scale * w[i];
      }
      float[] da = new float[r * in];
      LowRank.accumulateA(TWO, d, x, m, keep, da, n, in, r);
      float[] dx = new float[n * in];
      LowRank.inputGradient(TWO, d, a, m, keep, dx, n, in, r);
      double h = 1e-3;
      for (int e = 0; e < a.length; e += 7) {
        double numeric =
            (loss(x, a, w, m, keep, scale, n, in, r, -1, e, h)
                    - loss(x, a, w, m, keep, scale, n, in, r, -1, e, -h))
                / (2 * h);
        assertThat(da[e])
            .as("dA[%d] mask=%s", e, m != null)
            .isCloseTo(
                (float) numeric,
                org.assertj.core.data.Offset.offset(1e-4f + 1e-4f * Math.abs((float) numeric)));
      }
      for (int e = 0; e < x.length; e += 5) {
        double numeric =
            (loss(x, a, w, m, keep, scale, n, in, r, e, -1, h)
                    - loss(x, a, w, m, keep, scale, n, in, r, e, -1, -h))
                / (2 * h);
        assertThat(dx[e])
            .as("dx[%d] mask=%s", e, m != null)
            .isCloseTo(
                (float) numeric,
                org.assertj.core.data.Offset.offset(1e-4f + 1e-4f * Math.abs((float) numeric)));
      }
    }
  }

  /** Σ w ⊙ scale · m(x) · Aᵀ in double, with x[ex] or a[ea] moved by {@code delta}. */
  private static double loss(
      float[] x,
      float[] a,
      float[] w,
      long[] m,
      float keep,
      float scale,
      int n,
      int in,
      int r,
      int ex,
      int ea,
      double delta) {
    int words = LowRank.words(in);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < r; j++) {
        double c = 0;
        for (int p = 0; p < in; p++) {
          double xv = x[i * in + p] + (i * in + p == ex ? delta : 0);
          double av = a[j * in + p] + (j * in + p == ea ? delta : 0);
          boolean off = m != null && ((m[i * words + (p >>> 6)] >>> p) & 1) != 0;
          double mv = m == null ? xv : off ? 0 : xv * keep;
          c += mv * av;
        }
        sum += w[i * r + j] * scale * c;
      }
    }
    return sum;
  }
}
