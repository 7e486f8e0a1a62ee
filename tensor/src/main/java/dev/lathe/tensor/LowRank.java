package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The three products of a LoRA adapter's A side, with its dropout mask applied in registers as the
 * input is read: no masked copy of the (N, in) input is written, and the large operand is read in
 * place instead of packed (the other operand has only r rows, e.g. 16).
 *
 * <p>The mask is one bit per input element, set where the element is dropped: row i's bits start at
 * word {@code i · ⌈in/64⌉} of {@code dropped}; a kept element is scaled by {@code keep} (1/(1−p)).
 * With {@code dropped} null the input is used as it is.
 *
 * <p>Each output element is one FMA chain in a fixed order, the same chain the packed GEMM computes
 * for the same product of the masked input ({@code masked = x · keep}, dropped elements 0): the
 * results are bit-identical to it, to the scalar twins, and for any thread count.
 */
public final class LowRank {
  private LowRank() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  /** Rows of x per task. */
  private static final int ROWS_PER_TASK = 16;

  /** Columns of A per task in {@link #accumulateA}. */
  private static final int COLUMNS_PER_TASK = 8 * L;

  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  private static float[] scratch(int size) {
    float[] s = SCRATCH.get();
    if (s.length < size) {
      s = new float[size];
      SCRATCH.set(s);
    }
    return s;
  }

  /** 64-bit mask words per row of {@code in} elements. */
  public static int words(int in) {
    return (in + 63) >>> 6;
  }

  /**
   * {@code y[i, j] = scale · Σ_p m(x)[i, p] · a[j, p]} (the chain in order of p, then scaled).
   *
   * <pre>
   * // y: (N, r) overwritten   x: (N, in)   a: (r, in)   dropped: (N, words(in)) or null
   * </pre>
   */
  public static void project(
      ComputePool pool,
      float[] x,
      long[] dropped,
      float keep,
      float[] a,
      float[] y,
      float scale,
      int n,
      int in,
      int r) {
    if (!Gemm.simd()) {
      projectScalar(x, dropped, keep, a, y, scale, n, in, r);
      return;
    }
    int groups = (r + L - 1) / L;
    int width = groups * L;
    // A transposed and padded: at[p · width + j], so one vector holds L outputs' weights at p
    float[] at = new float[in * width];
    for (int j = 0; j < r; j++) {
      for (int p = 0; p < in; p++) {
        at[p * width + j] = a[j * in + p];
      }
    }
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          float[] rows = scratch(2 * in);
          for (int i = t * ROWS_PER_TASK; i < Math.min(n, (t + 1) * ROWS_PER_TASK); i += 2) {
            boolean pair = i + 1 < Math.min(n, (t + 1) * ROWS_PER_TASK);
            maskRow(x, dropped, keep, i, in, rows, 0);
            if (pair) {
              maskRow(x, dropped, keep, i + 1, in, rows, in);
            }
            for (int g = 0; g < groups; g++) {
              VectorMask<Float> lanes = S.indexInRange(g * L, r);
              FloatVector c0 = FloatVector.zero(S);
              FloatVector c1 = FloatVector.zero(S);
              for (int p = 0; p < in; p++) {
                FloatVector av = FloatVector.fromArray(S, at, p * width + g * L);
                c0 = av.fma(FloatVector.broadcast(S, rows[p]), c0);
                if (pair) {
                  c1 = av.fma(FloatVector.broadcast(S, rows[in + p]), c1);
                }
              }
              c0.mul(scale).intoArray(y, i * r + g * L, lanes);
              if (pair) {
                c1.mul(scale).intoArray(y, (i + 1) * r + g * L, lanes);
              }
            }
          }
        });
  }

  /** {@code out[off ..]: (in) = m(x)[i, ·]}. */
  private static void maskRow(
      float[] x, long[] dropped, float keep, int i, int in, float[] out, int off) {
    int from = i * in;
    if (dropped == null) {
      System.arraycopy(x, from, out, off, in);
      return;
    }
    int base = i * words(in);
    int p = 0;
    for (; p <= in - L; p += L) {
      FloatVector v = FloatVector.fromArray(S, x, from + p).mul(keep);
      v.blend(0f, droppedLanes(dropped, base, p)).intoArray(out, off + p);
    }
    for (; p < in; p++) {
      out[off + p] = masked(x[from + p], dropped, base, p, keep);
    }
  }

  /** The lanes of elements p .. p+L of a row (mask words from {@code base}) that are dropped. */
  private static VectorMask<Float> droppedLanes(long[] dropped, int base, int p) {
    // L divides 64, so the L bits of p .. p+L lie in one word
    return VectorMask.fromLong(S, dropped[base + (p >>> 6)] >>> (p & 63));
  }

  /** One element of m(x): {@code v · keep}, or 0 when its bit is set. */
  private static float masked(float v, long[] dropped, int base, int p, float keep) {
    return ((dropped[base + (p >>> 6)] >>> (p & 63)) & 1) != 0 ? 0f : v * keep;
  }

  /** The scalar twin of {@link #project}. */
  static void projectScalar(
      float[] x,
      long[] dropped,
      float keep,
      float[] a,
      float[] y,
      float scale,
      int n,
      int in,
      int r) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < r; j++) {
        float c = 0f;
        for (int p = 0; p < in; p++) {
          float v =
              dropped == null
                  ? x[i * in + p]
                  : masked(x[i * in + p], dropped, i * words(in), p, keep);
          c = Math.fma(v, a[j * in + p], c);
        }
        y[i * r + j] = c * scale;
      }
    }
  }

  /**
   * {@code da[j, p] += Σ_i d[i, j] · m(x)[i, p]} (the chain from da in order of i).
   *
   * <pre>
   * // da: (r, in) accumulated   d: (N, r)   x: (N, in)   dropped: (N, words(in)) or null
   * </pre>
   */
  public static void accumulateA(
      ComputePool pool,
      float[] d,
      float[] x,
      long[] dropped,
      float keep,
      float[] da,
      int n,
      int in,
      int r) {
    if (!Gemm.simd()) {
      accumulateAScalar(d, x, dropped, keep, da, n, in, r);
      return;
    }
    int words = words(in);
    pool.parallelFor(
        (in + COLUMNS_PER_TASK - 1) / COLUMNS_PER_TASK,
        (t, w) -> {
          int p0 = t * COLUMNS_PER_TASK;
          int p1 = Math.min(in, p0 + COLUMNS_PER_TASK);
          for (int i = 0; i < n; i++) {
            int from = i * in;
            int p = p0;
            for (; p <= p1 - L; p += L) {
              FloatVector v = FloatVector.fromArray(S, x, from + p);
              if (dropped != null) {
                v = v.mul(keep).blend(0f, droppedLanes(dropped, i * words, p));
              }
              for (int j = 0; j < r; j++) {
                int at = j * in + p;
                v.fma(FloatVector.broadcast(S, d[i * r + j]), FloatVector.fromArray(S, da, at))
                    .intoArray(da, at);
              }
            }
            for (; p < p1; p++) {
              float v =
                  dropped == null ? x[from + p] : masked(x[from + p], dropped, i * words, p, keep);
              for (int j = 0; j < r; j++) {
                da[j * in + p] = Math.fma(d[i * r + j], v, da[j * in + p]);
              }
            }
          }
        });
  }

  /** The scalar twin of {@link #accumulateA}. */
  static void accumulateAScalar(
      float[] d, float[] x, long[] dropped, float keep, float[] da, int n, int in, int r) {
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < in; p++) {
        float v =
            dropped == null
                ? x[i * in + p]
                : masked(x[i * in + p], dropped, i * words(in), p, keep);
        for (int j = 0; j < r; j++) {
          da[j * in + p] = Math.fma(d[i * r + j], v, da[j * in + p]);
        }
      }
    }
  }

  /**
   * The input gradient through the mask: {@code dx[i, p] += m'(Σ_j d[i, j] · a[j, p])}. Without a
   * mask the chain starts from dx ({@code dx += d · a}); with one it starts from 0 and the sum is
   * zeroed where dropped, scaled by keep elsewhere, then added to dx.
   *
   * <pre>
   * // dx: (N, in) accumulated   d: (N, r)   a: (r, in)   dropped: (N, words(in)) or null
   * </pre>
   */
  public static void inputGradient(
      ComputePool pool,
      float[] d,
      float[] a,
      long[] dropped,
      float keep,
      float[] dx,
      int n,
      int in,
      int r) {
    if (!Gemm.simd()) {
      inputGradientScalar(d, a, dropped, keep, dx, n, in, r);
      return;
    }
    int words = words(in);
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          for (int i = t * ROWS_PER_TASK; i < Math.min(n, (t + 1) * ROWS_PER_TASK); i++) {
            int to = i * in;
            int p = 0;
            for (; p <= in - L; p += L) {
              FloatVector c =
                  dropped == null ? FloatVector.fromArray(S, dx, to + p) : FloatVector.zero(S);
              for (int j = 0; j < r; j++) {
                c =
                    FloatVector.fromArray(S, a, j * in + p)
                        .fma(FloatVector.broadcast(S, d[i * r + j]), c);
              }
              if (dropped != null) {
                c =
                    FloatVector.fromArray(S, dx, to + p)
                        .add(c.blend(0f, droppedLanes(dropped, i * words, p)).mul(keep));
              }
              c.intoArray(dx, to + p);
            }
            for (; p < in; p++) {
              dx[to + p] = inputGradientElement(d, a, dropped, keep, dx, i, p, in, r, words);
            }
          }
        });
  }

  private static float inputGradientElement(
      float[] d,
      float[] a,
      long[] dropped,
      float keep,
      float[] dx,
      int i,
      int p,
      int in,
      int r,
      int words) {
    float c = dropped == null ? dx[i * in + p] : 0f;
    for (int j = 0; j < r; j++) {
      c = Math.fma(d[i * r + j], a[j * in + p], c);
    }
    if (dropped == null) {
      return c;
    }
    boolean off = ((dropped[i * words + (p >>> 6)] >>> (p & 63)) & 1) != 0;
    return dx[i * in + p] + (off ? 0f : c) * keep;
  }

  /** The scalar twin of {@link #inputGradient}. */
  static void inputGradientScalar(
      float[] d, float[] a, long[] dropped, float keep, float[] dx, int n, int in, int r) {
    int words = words(in);
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < in; p++) {
        dx[i * in + p] = inputGradientElement(d, a, dropped, keep, dx, i, p, in, r, words);
      }
    }
  }
}
