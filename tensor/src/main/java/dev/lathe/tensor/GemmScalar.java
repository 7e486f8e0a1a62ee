package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Dense matrix products in the three layouts training needs. All matrices are row-major {@code
 * float[]} with an offset. When {@code accumulate} is false C is overwritten, otherwise added to.
 *
 * <ul>
 *   <li>{@link #mulNT}: C[m,n] = A[m,k] · B[n,k]ᵀ (forward: activations times a [out,in] weight)
 *   <li>{@link #mulNN}: C[m,n] = A[m,k] · B[k,n] (backward: dX = dY · W)
 *   <li>{@link #mulTN}: C[m,n] = A[k,m]ᵀ · B[k,n] (backward: dW = dYᵀ · X)
 * </ul>
 *
 * <p>This is the plain scalar reference: one float accumulator per output element, summed in order
 * of k. {@link Gemm} is the fast path and is tested against it; {@code -Dlathe.simd=false} makes
 * {@link Gemm} call these loops.
 */
public final class GemmScalar {
  private GemmScalar() {}

  /** C[m,n] (+)= A[m,k] · B[n,k]ᵀ. */
  public static void mulNT(
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += a[aOff + i * k + p] * b[bOff + j * k + p];
        }
        int ci = cOff + i * n + j;
        c[ci] = accumulate ? c[ci] + sum : sum;
      }
    }
  }

  /** C[m,n] (+)= A[m,k] · B[k,n]. */
  public static void mulNN(
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += a[aOff + i * k + p] * b[bOff + p * n + j];
        }
        int ci = cOff + i * n + j;
        c[ci] = accumulate ? c[ci] + sum : sum;
      }
    }
  }

  /** C[m,n] (+)= A[k,m]ᵀ · B[k,n]. */
  public static void mulTN(
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += a[aOff + p * m + i] * b[bOff + p * n + j];
        }
        int ci = cOff + i * n + j;
        c[ci] = accumulate ? c[ci] + sum : sum;
      }
    }
  }

  /** C[m,n] (+)= A[m,k] · B[n,k]ᵀ with bf16 B: each weight widened, then as the f32 loop. */
  public static void mulNT(
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
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum += a[aOff + i * k + p] * Bf16.toFloat(b[bOff + j * k + p]);
        }
        int ci = cOff + i * n + j;
        c[ci] = accumulate ? c[ci] + sum : sum;
      }
    }
  }

  /** As the {@code short[]} overload, B read as little-endian bf16 from element {@code bOff}. */
  public static void mulNT(
      float[] a,
      int aOff,
      MemorySegment b,
      long bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          short w = b.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * (bOff + (long) j * k + p));
          sum += a[aOff + i * k + p] * Bf16.toFloat(w);
        }
        int ci = cOff + i * n + j;
        c[ci] = accumulate ? c[ci] + sum : sum;
      }
    }
  }
}
