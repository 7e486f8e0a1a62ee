package dev.lathe.tensor;

import java.util.Objects;

/**
 * {@code C[m,n] (+)= A[m,k] · B[k,n]} with B held in bf16, as a frozen weight's input gradient
 * needs it ({@code dX = dY · W}, W (out, in) in bf16): B is widened to f32 one slab of k rows at a
 * time into a per-thread buffer, and each slab is multiplied by the packed GEMM with A read in
 * place (its columns of that slab, stride k). The slabs are the same equal slices of k the packed
 * GEMM cuts a long k into, so the result is the f32 product of the widened B, whatever the thread
 * count, while at most one slab ({@link #SLAB_ROWS} rows of B) exists in f32.
 */
public final class WidenedGemm {
  private WidenedGemm() {}

  /** Most rows of B widened at once: one slice of k of the packed GEMM. */
  static final int SLAB_ROWS = GemmTiling.NATIVE.kSlice();

  private static final ThreadLocal<float[]> SLAB = ThreadLocal.withInitial(() -> new float[0]);

  /** Rows of B widened per task when a slab is widened in parallel. */
  private static final int WIDEN_ROWS = 64;

  /** C[m,n] (+)= A[m,k] · B[k,n] with B in bf16 (row-major (k, n) from {@code bOff}), on pool. */
  public static void mulNN(
      ComputePool pool,
      float[] a,
      int aOff,
      short[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    GemmChecks.check("mulNN(bf16)", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    Objects.requireNonNull(pool, "pool");
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      if (!accumulate) {
        java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
      }
      return;
    }
    if (!Gemm.simd()) {
      mulNNScalar(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
      return;
    }
    int slices = (k + SLAB_ROWS - 1) / SLAB_ROWS;
    int step = (k + slices - 1) / slices;
    float[] slab = SLAB.get();
    if (slab.length < step * n) {
      slab = new float[step * n];
      SLAB.set(slab);
    }
    float[] s = slab;
    for (int p0 = 0; p0 < k; p0 += step) {
      int rows = Math.min(step, k - p0);
      int from = bOff + p0 * n;
      pool.parallelFor(
          (rows + WIDEN_ROWS - 1) / WIDEN_ROWS,
          (t, w) -> {
            int r0 = t * WIDEN_ROWS;
            int r1 = Math.min(rows, r0 + WIDEN_ROWS);
            widen(b, from + r0 * n, s, r0 * n, (r1 - r0) * n);
          });
      GemmPacked.mul(
          pool,
          a,
          aOff + p0,
          k,
          1,
          GemmPacked.BSource.f32(s, 0, n, 1),
          c,
          cOff,
          m,
          n,
          rows,
          accumulate || p0 > 0);
    }
  }

  /** {@code dst[dstOff + i] = widen(src[srcOff + i])} for {@code i < len}. */
  private static void widen(short[] src, int srcOff, float[] dst, int dstOff, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = Float.intBitsToFloat(src[srcOff + i] << 16);
    }
  }

  /** The scalar twin: one FMA chain per element of C in order of k. */
  static void mulNNScalar(
      float[] a,
      int aOff,
      short[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = accumulate ? c[cOff + i * n + j] : 0f;
        for (int p = 0; p < k; p++) {
          sum = Math.fma(a[aOff + i * k + p], Bf16.toFloat(b[bOff + p * n + j]), sum);
        }
        c[cOff + i * n + j] = sum;
      }
    }
  }
}
