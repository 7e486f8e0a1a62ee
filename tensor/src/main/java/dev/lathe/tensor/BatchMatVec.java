package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

/**
 * {@code y = x · Wᵀ} for the few rows of a batched decode step (one row per sequence), the weights
 * (f32 or bf16) streamed from memory once for all rows.
 *
 * <p>Every output {@code y[r, j]} is computed the same way whatever the batch: one accumulator
 * vector over {@code k} in order, reduced by a fixed tree, then the scalar tail in order. So a
 * row's values depend only on its own input row and the weights, never on how many rows ran with it
 * or which: a sequence decoded in a batch of eight gets the bits it gets alone. Tiles of four
 * weight rows by four input rows keep sixteen independent FMA chains in flight; parallel tasks own
 * ranges of weight rows. Nothing is allocated per call.
 */
public final class BatchMatVec {
  private BatchMatVec() {}

  private static final int L = MatVec.L;

  /** Weight rows per tile. */
  private static final int TILE = 4;

  /** Fewest weight rows per parallel task. */
  private static final int MIN_ROWS_PER_TASK = 64;

  /**
   * {@code y = x · Wᵀ}, W f32.
   *
   * <pre>
   * // y: (m, n) at yOff   x: (m, k) at xOff   w: (n, k)
   * </pre>
   */
  public static void mulNT(
      ComputePool pool, float[] x, int xOff, float[] w, float[] y, int yOff, int m, int n, int k) {
    check(x.length, xOff, w.length, y.length, yOff, m, n, k);
    run(pool, x, xOff, w, null, y, yOff, m, n, k);
  }

  /** The same with W bf16 (widened in registers; the product equals that of its f32 values). */
  public static void mulNT(
      ComputePool pool, float[] x, int xOff, short[] w, float[] y, int yOff, int m, int n, int k) {
    check(x.length, xOff, w.length, y.length, yOff, m, n, k);
    run(pool, x, xOff, null, w, y, yOff, m, n, k);
  }

  /** The scalar twin (W f32): each sum in order, for tests of the vector kernel. */
  public static void mulNTScalar(
      float[] x, int xOff, float[] w, float[] y, int yOff, int m, int n, int k) {
    check(x.length, xOff, w.length, y.length, yOff, m, n, k);
    for (int r = 0; r < m; r++) {
      for (int j = 0; j < n; j++) {
        float s = 0f;
        for (int p = 0; p < k; p++) {
          s = Math.fma(x[xOff + r * k + p], w[j * k + p], s);
        }
        y[yOff + r * n + j] = s;
      }
    }
  }

  private static void check(int xl, int xOff, int wl, int yl, int yOff, int m, int n, int k) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "BatchMatVec shape must be non-negative, got m=" + m + " n=" + n + " k=" + k);
    }
    if ((long) n * k > wl || xOff < 0 || (long) xOff + (long) m * k > xl) {
      throw new IllegalArgumentException(
          "BatchMatVec operands too small: W holds "
              + wl
              + " for "
              + n
              + " x "
              + k
              + ", x holds "
              + xl
              + " for "
              + m
              + " x "
              + k
              + " at "
              + xOff);
    }
    if (yOff < 0 || (long) yOff + (long) m * n > yl) {
      throw new IllegalArgumentException(
          "BatchMatVec output holds " + yl + ", needs " + m + " x " + n + " at " + yOff);
    }
  }

  /** One product's operands and its loop body over weight-row ranges; one per thread, reused. */
  private static final class Tiles implements ComputePool.Body {
    private float[] x;
    private float[] f32;
    private short[] bf16;
    private float[] y;
    private int xOff;
    private int yOff;
    private int m;
    private int n;
    private int k;
    private int rowsPerTask;

    @Override
    public void run(int task, int worker) {
      int j0 = task * rowsPerTask;
      range(this, j0, Math.min(n, j0 + rowsPerTask));
    }
  }

  private static final ThreadLocal<Tiles> TILES = ThreadLocal.withInitial(Tiles::new);

  private static void run(
      ComputePool pool,
      float[] x,
      int xOff,
      float[] f32,
      short[] bf16,
      float[] y,
      int yOff,
      int m,
      int n,
      int k) {
    if (m == 0 || n == 0) {
      return;
    }
    Tiles t = TILES.get();
    t.x = x;
    t.f32 = f32;
    t.bf16 = bf16;
    t.y = y;
    t.xOff = xOff;
    t.yOff = yOff;
    t.m = m;
    t.n = n;
    t.k = k;
    int per = ceilDiv(n, pool.threads() * 4);
    t.rowsPerTask = Math.max(MIN_ROWS_PER_TASK, ceilDiv(per, TILE) * TILE);
    int tasks = ceilDiv(n, t.rowsPerTask);
    try {
      if (tasks > 1 && pool.threads() > 1) {
        pool.parallelFor(tasks, t);
      } else {
        for (int task = 0; task < tasks; task++) {
          t.run(task, 0);
        }
      }
    } finally {
      t.x = t.f32 = t.y = null;
      t.bf16 = null;
    }
  }

  /** Weight rows {@code [j0, j1)} for every input row. */
  private static void range(Tiles t, int j0, int j1) {
    int j = j0;
    for (; j + TILE <= j1; j += TILE) {
      int r = 0;
      for (; r + 4 <= t.m; r += 4) {
        tile4x4(t, r, j);
      }
      for (; r < t.m; r++) {
        tile4x1(t, r, j);
      }
    }
    for (; j < j1; j++) {
      for (int r = 0; r < t.m; r++) {
        store(t, r, j, dot1(t, r, j));
      }
    }
  }

  private static FloatVector load(Tiles t, int i) {
    return t.f32 != null
        ? FloatVector.fromArray(MatVec.F, t.f32, i)
        : MatVec.widen(ShortVector.fromArray(MatVec.H, t.bf16, i));
  }

  private static FloatVector xv(Tiles t, int r, int p) {
    return FloatVector.fromArray(MatVec.F, t.x, t.xOff + r * t.k + p);
  }

  /** Reduces the accumulator of (r, j) and adds the scalar tail in order. */
  private static float finish(Tiles t, int r, int j, FloatVector acc) {
    float s = MatVec.reduce(acc);
    int xr = t.xOff + r * t.k;
    int wr = j * t.k;
    for (int p = t.k - t.k % L; p < t.k; p++) {
      float w = t.f32 != null ? t.f32[wr + p] : Float.intBitsToFloat(t.bf16[wr + p] << 16);
      s = Math.fma(t.x[xr + p], w, s);
    }
    return s;
  }

  private static void store(Tiles t, int r, int j, float v) {
    t.y[t.yOff + r * t.n + j] = v;
  }

  private static float dot1(Tiles t, int r, int j) {
    FloatVector a = FloatVector.zero(MatVec.F);
    int kv = t.k - t.k % L;
    for (int p = 0; p < kv; p += L) {
      a = load(t, j * t.k + p).fma(xv(t, r, p), a);
    }
    return finish(t, r, j, a);
  }

  private static void tile4x1(Tiles t, int r, int j) {
    FloatVector a0 = FloatVector.zero(MatVec.F), a1 = a0, a2 = a0, a3 = a0;
    int k = t.k;
    int kv = k - k % L;
    for (int p = 0; p < kv; p += L) {
      FloatVector x0 = xv(t, r, p);
      a0 = load(t, j * k + p).fma(x0, a0);
      a1 = load(t, (j + 1) * k + p).fma(x0, a1);
      a2 = load(t, (j + 2) * k + p).fma(x0, a2);
      a3 = load(t, (j + 3) * k + p).fma(x0, a3);
    }
    store4(t, r, j, a0, a1, a2, a3);
  }

  private static void tile4x4(Tiles t, int r, int j) {
    FloatVector z = FloatVector.zero(MatVec.F);
    FloatVector a00 = z, a01 = z, a02 = z, a03 = z;
    FloatVector a10 = z, a11 = z, a12 = z, a13 = z;
    FloatVector a20 = z, a21 = z, a22 = z, a23 = z;
    FloatVector a30 = z, a31 = z, a32 = z, a33 = z;
    int k = t.k;
    int kv = k - k % L;
    for (int p = 0; p < kv; p += L) {
      FloatVector x0 = xv(t, r, p);
      FloatVector x1 = xv(t, r + 1, p);
      FloatVector x2 = xv(t, r + 2, p);
      FloatVector x3 = xv(t, r + 3, p);
      FloatVector w = load(t, j * k + p);
      a00 = w.fma(x0, a00);
      a10 = w.fma(x1, a10);
      a20 = w.fma(x2, a20);
      a30 = w.fma(x3, a30);
      w = load(t, (j + 1) * k + p);
      a01 = w.fma(x0, a01);
      a11 = w.fma(x1, a11);
      a21 = w.fma(x2, a21);
      a31 = w.fma(x3, a31);
      w = load(t, (j + 2) * k + p);
      a02 = w.fma(x0, a02);
      a12 = w.fma(x1, a12);
      a22 = w.fma(x2, a22);
      a32 = w.fma(x3, a32);
      w = load(t, (j + 3) * k + p);
      a03 = w.fma(x0, a03);
      a13 = w.fma(x1, a13);
      a23 = w.fma(x2, a23);
      a33 = w.fma(x3, a33);
    }
    store4(t, r, j, a00, a01, a02, a03);
    store4(t, r + 1, j, a10, a11, a12, a13);
    store4(t, r + 2, j, a20, a21, a22, a23);
    store4(t, r + 3, j, a30, a31, a32, a33);
  }

  private static void store4(
      Tiles t, int r, int j, FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
    store(t, r, j, finish(t, r, j, a0));
    store(t, r, j + 1, finish(t, r, j + 1, a1));
    store(t, r, j + 2, finish(t, r, j + 2, a2));
    store(t, r, j + 3, finish(t, r, j + 3, a3));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
