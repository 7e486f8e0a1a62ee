package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

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
 * <p>{@code mulNT} also takes bf16 weights ({@code short[]}, or a memory segment of little-endian
 * bf16 such as a mapped safetensors file), widened to f32 as they are read. A segment must be
 * readable from the pool's threads: map it in a shared or global arena, not a confined one.
 *
 * <p>The fast path packs A and B into panels and runs a register-blocked Vector API kernel on the
 * {@link ComputePool} ({@link GemmPacked}); a single row of A (decode) goes to {@link MatVec}.
 * Results are deterministic and the same for any thread count, but they are not bit-identical to
 * the scalar reference {@link GemmScalar}: the fast path fuses multiply and add. Start the JVM with
 * {@code -Dlathe.simd=false} (or {@code -Dlathe.kernels=scalar}) to run the scalar reference
 * instead. The overloads without a pool use {@link ComputePool#common()}.
 */
public final class Gemm {
  private Gemm() {}

  /** System property that turns the Vector API path off when {@code false}. */
  public static final String SIMD_PROPERTY = "lathe.simd";

  private static final boolean SIMD = simdEnabled();

  /** Products below this many multiply-adds run on the calling thread alone. */
  private static final long SMALL = 1L << 16;

  private static final ComputePool SERIAL = new ComputePool(1);

  static boolean simdEnabled() {
    String simd = System.getProperty(SIMD_PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
    if (!simd.equals("true") && !simd.equals("false")) {
      throw new IllegalArgumentException(
          "system property " + SIMD_PROPERTY + "=" + simd + " must be true or false");
    }
    String kernels = System.getProperty("lathe.kernels", "vector").trim();
    return simd.equals("true") && !kernels.equalsIgnoreCase("scalar");
  }

  /** Whether the Vector API path is on (see {@link #SIMD_PROPERTY}). */
  public static boolean simd() {
    return SIMD;
  }

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
    mulNT(ComputePool.common(), a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
  }

  /** C[m,n] (+)= A[m,k] · B[n,k]ᵀ on {@code pool}. */
  public static void mulNT(
      ComputePool pool,
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
    GemmChecks.check("mulNT", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
    } else if (!trivial(c, cOff, m, n, k, accumulate)) {
      ComputePool p = pick(pool, m, n, k);
      if (m == 1) {
        MatVec.mulNT(p, a, aOff, b, bOff, c, cOff, n, k, accumulate);
      } else {
        GemmPacked.mul(
            p, a, aOff, k, 1, GemmPacked.BSource.f32(b, bOff, 1, k), c, cOff, m, n, k, accumulate);
      }
    }
  }

  /** C[m,n] (+)= A[m,k] · B[n,k]ᵀ with B in bf16. */
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
    mulNT(ComputePool.common(), a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
  }

  /** C[m,n] (+)= A[m,k] · B[n,k]ᵀ with B in bf16, on {@code pool}. */
  public static void mulNT(
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
    GemmChecks.check("mulNT(bf16)", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
    } else if (!trivial(c, cOff, m, n, k, accumulate)) {
      ComputePool p = pick(pool, m, n, k);
      if (m == 1) {
        MatVec.mulNT(p, a, aOff, b, bOff, c, cOff, n, k, accumulate);
      } else {
        GemmPacked.mul(
            p, a, aOff, k, 1, GemmPacked.BSource.bf16(b, bOff, k), c, cOff, m, n, k, accumulate);
      }
    }
  }

  /**
   * C[m,n] (+)= A[m,k] · B[n,k]ᵀ with B in little-endian bf16 starting at element (not byte) {@code
   * bOff} of {@code b}.
   */
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
    mulNT(ComputePool.common(), a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
  }

  /** As {@link #mulNT(float[], int, MemorySegment, long, float[], int, int, int, int, boolean)}. */
  public static void mulNT(
      ComputePool pool,
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
    GemmChecks.check(
        "mulNT(bf16 segment)", a.length, aOff, b.byteSize() / 2, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
    } else if (!trivial(c, cOff, m, n, k, accumulate)) {
      ComputePool p = pick(pool, m, n, k);
      if (m == 1) {
        MatVec.mulNT(p, a, aOff, b, bOff, c, cOff, n, k, accumulate);
      } else {
        GemmPacked.mul(
            p, a, aOff, k, 1, GemmPacked.BSource.segment(b, bOff, k), c, cOff, m, n, k, accumulate);
      }
    }
  }

  /**
   * C[m,n] = A[m,k] · B[n,k]ᵀ on {@code pool} with the packed kernel for any m, one row of A
   * included: each row of C gets the same bits whatever m and whichever rows come with it (the
   * other overloads send one row to {@link MatVec}, whose sums are grouped otherwise). For prompts
   * of several sequences prefilled together.
   */
  public static void mulNTRows(
      ComputePool pool,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k) {
    GemmChecks.check("mulNTRows", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, false);
    } else if (!trivial(c, cOff, m, n, k, false)) {
      rows(pool, a, aOff, GemmPacked.BSource.f32(b, bOff, 1, k), c, cOff, m, n, k);
    }
  }

  /**
   * As {@link #mulNTRows(ComputePool, float[], int, float[], int, float[], int, int, int, int)}, B
   * bf16.
   */
  public static void mulNTRows(
      ComputePool pool,
      float[] a,
      int aOff,
      short[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k) {
    GemmChecks.check("mulNTRows(bf16)", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, false);
    } else if (!trivial(c, cOff, m, n, k, false)) {
      rows(pool, a, aOff, GemmPacked.BSource.bf16(b, bOff, k), c, cOff, m, n, k);
    }
  }

  /**
   * As {@link #mulNTRows(ComputePool, float[], int, float[], int, float[], int, int, int, int)}, B
   * little-endian bf16 in a segment from element {@code bOff} (a mapped checkpoint's tensor): the
   * bits of the {@code short[]} product of the same values.
   */
  public static void mulNTRows(
      ComputePool pool,
      float[] a,
      int aOff,
      MemorySegment b,
      long bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k) {
    GemmChecks.check(
        "mulNTRows(bf16 segment)", a.length, aOff, b.byteSize() / 2, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNT(a, aOff, b, bOff, c, cOff, m, n, k, false);
    } else if (!trivial(c, cOff, m, n, k, false)) {
      rows(pool, a, aOff, GemmPacked.BSource.segment(b, bOff, k), c, cOff, m, n, k);
    }
  }

  /**
   * C[m,n] = A[m,k] · B[k,n] on {@code pool} with the packed kernel for any m, as {@link
   * #mulNTRows} does: each row of C gets the same bits whatever m.
   */
  public static void mulNNRows(
      ComputePool pool,
      float[] a,
      int aOff,
      float[] b,
      int bOff,
      float[] c,
      int cOff,
      int m,
      int n,
      int k) {
    GemmChecks.check("mulNNRows", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNN(a, aOff, b, bOff, c, cOff, m, n, k, false);
    } else if (!trivial(c, cOff, m, n, k, false)) {
      rows(pool, a, aOff, GemmPacked.BSource.f32(b, bOff, n, 1), c, cOff, m, n, k);
    }
  }

  /**
   * C[m,n] = A[m,k] · B[n,k]ᵀ with B a block matrix, Q8_0 or Q4_0 ({@code n = b.rows()}, {@code k =
   * b.cols()}), on {@code pool}: the packed kernel over B's values {@code q * d} (exact in f32,
   * widened as the panels are packed) for any m, as {@link #mulNTRows} does. A prompt's product:
   * for one decode row {@link BlockMatrix#mulNT} reads fewer bytes.
   */
  public static void mulNTRows(
      ComputePool pool, float[] a, int aOff, BlockMatrix b, float[] c, int cOff, int m) {
    int n = b.rows();
    int k = b.cols();
    GemmChecks.check(
        "mulNTRows(block matrix)", a.length, aOff, (long) n * k, 0, c.length, cOff, m, n, k);
    if (!SIMD) {
      b.mulNTScalar(a, aOff, c, cOff, m);
    } else if (!trivial(c, cOff, m, n, k, false)) {
      rows(pool, a, aOff, GemmPacked.BSource.blocks(b), c, cOff, m, n, k);
    }
  }

  /** The packed product of the {@code mul*Rows} entries: C = A · B, A row-major, for any m. */
  private static void rows(
      ComputePool pool,
      float[] a,
      int aOff,
      GemmPacked.BSource b,
      float[] c,
      int cOff,
      int m,
      int n,
      int k) {
    GemmPacked.mul(pick(pool, m, n, k), a, aOff, k, 1, b, c, cOff, m, n, k, false);
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
    mulNN(ComputePool.common(), a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
  }

  /** C[m,n] (+)= A[m,k] · B[k,n] on {@code pool}. */
  public static void mulNN(
      ComputePool pool,
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
    GemmChecks.check("mulNN", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulNN(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
    } else if (!trivial(c, cOff, m, n, k, accumulate)) {
      ComputePool p = pick(pool, m, n, k);
      if (m == 1) {
        MatVec.mulNN(p, a, aOff, b, bOff, c, cOff, n, k, accumulate);
      } else {
        GemmPacked.mul(
            p, a, aOff, k, 1, GemmPacked.BSource.f32(b, bOff, n, 1), c, cOff, m, n, k, accumulate);
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
    mulTN(ComputePool.common(), a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
  }

  /** C[m,n] (+)= A[k,m]ᵀ · B[k,n] on {@code pool}. */
  public static void mulTN(
      ComputePool pool,
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
    GemmChecks.check("mulTN", a.length, aOff, b.length, bOff, c.length, cOff, m, n, k);
    if (!SIMD) {
      GemmScalar.mulTN(a, aOff, b, bOff, c, cOff, m, n, k, accumulate);
    } else if (!trivial(c, cOff, m, n, k, accumulate)) {
      ComputePool p = pick(pool, m, n, k);
      if (m == 1) {
        // A[k,1]ᵀ is a row vector of k contiguous values: the same as mulNN with m == 1
        MatVec.mulNN(p, a, aOff, b, bOff, c, cOff, n, k, accumulate);
      } else {
        GemmPacked.mul(
            p, a, aOff, 1, m, GemmPacked.BSource.f32(b, bOff, n, 1), c, cOff, m, n, k, accumulate);
      }
    }
  }

  /** Handles empty shapes; returns true when nothing is left to compute. */
  private static boolean trivial(float[] c, int cOff, int m, int n, int k, boolean accumulate) {
    if (m == 0 || n == 0) {
      return true;
    }
    if (k == 0) {
      if (!accumulate) {
        java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
      }
      return true;
    }
    return false;
  }

  private static ComputePool pick(ComputePool pool, int m, int n, int k) {
    return (long) m * n * k < SMALL ? SERIAL : pool;
  }
}
