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
  private static final int COLUMNS_PER_TASK = 2 * LowRankTile.WIDTH;

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
    return DropoutBits.words(in);
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
      projectScalar(x, dropped, keep, a, y, scale, n, in, r, false);
      return;
    }
    projectPadded(pool, x, dropped, keep, padded(a, r, in, false), y, scale, n, in, r);
  }

  /**
   * {@code y[i, j] = scale · Σ_p x[i, p] · b[p, j]}: as {@link #project} with the small matrix
   * stored (in, r) (a LoRA B, for {@code dy · B}) and no mask.
   *
   * <pre>
   * // y: (N, r) overwritten   x: (N, in)   b: (in, r)
   * </pre>
   */
  public static void projectThrough(
      ComputePool pool, float[] x, float[] b, float[] y, float scale, int n, int in, int r) {
    if (!Gemm.simd()) {
      projectScalar(x, null, 1f, b, y, scale, n, in, r, true);
      return;
    }
    projectPadded(pool, x, null, 1f, padded(b, r, in, true), y, scale, n, in, r);
  }

  /**
   * The small matrix as {@code (in, width)} with width = r rounded up to whole vectors, zero
   * padded: one vector holds L outputs' weights at one p. {@code a} is (in, r) when {@code
   * transposed}, else (r, in).
   */
  private static float[] padded(float[] a, int r, int in, boolean transposed) {
    int width = (r + L - 1) / L * L;
    float[] at = new float[in * width];
    for (int j = 0; j < r; j++) {
      for (int p = 0; p < in; p++) {
        at[p * width + j] = transposed ? a[p * r + j] : a[j * in + p];
      }
    }
    return at;
  }

  /** {@link #project} over the padded {@code at}: eight rows at a time, then one. */
  private static void projectPadded(
      ComputePool pool,
      float[] x,
      long[] dropped,
      float keep,
      float[] at,
      float[] y,
      float scale,
      int n,
      int in,
      int r) {
    int width = at.length / in;
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          float[] rows = scratch(8 * in);
          int end = Math.min(n, (t + 1) * ROWS_PER_TASK);
          int i = t * ROWS_PER_TASK;
          // eight rows at a time: eight independent FMA chains per vector of outputs
          for (; i + 8 <= end; i += 8) {
            for (int q = 0; q < 8; q++) {
              maskRow(x, dropped, keep, i + q, in, rows, q * in);
            }
            for (int g = 0; g < width; g += L) {
              VectorMask<Float> lanes = S.indexInRange(g, r);
              FloatVector c0 = FloatVector.zero(S);
              FloatVector c1 = c0;
              FloatVector c2 = c0;
              FloatVector c3 = c0;
              FloatVector c4 = c0;
              FloatVector c5 = c0;
              FloatVector c6 = c0;
              FloatVector c7 = c0;
              for (int p = 0; p < in; p++) {
                FloatVector av = FloatVector.fromArray(S, at, p * width + g);
                c0 = av.fma(FloatVector.broadcast(S, rows[p]), c0);
                c1 = av.fma(FloatVector.broadcast(S, rows[in + p]), c1);
                c2 = av.fma(FloatVector.broadcast(S, rows[2 * in + p]), c2);
                c3 = av.fma(FloatVector.broadcast(S, rows[3 * in + p]), c3);
                c4 = av.fma(FloatVector.broadcast(S, rows[4 * in + p]), c4);
                c5 = av.fma(FloatVector.broadcast(S, rows[5 * in + p]), c5);
                c6 = av.fma(FloatVector.broadcast(S, rows[6 * in + p]), c6);
                c7 = av.fma(FloatVector.broadcast(S, rows[7 * in + p]), c7);
              }
              c0.mul(scale).intoArray(y, i * r + g, lanes);
              c1.mul(scale).intoArray(y, (i + 1) * r + g, lanes);
              c2.mul(scale).intoArray(y, (i + 2) * r + g, lanes);
              c3.mul(scale).intoArray(y, (i + 3) * r + g, lanes);
              c4.mul(scale).intoArray(y, (i + 4) * r + g, lanes);
              c5.mul(scale).intoArray(y, (i + 5) * r + g, lanes);
              c6.mul(scale).intoArray(y, (i + 6) * r + g, lanes);
              c7.mul(scale).intoArray(y, (i + 7) * r + g, lanes);
            }
          }
          for (; i < end; i++) {
            maskRow(x, dropped, keep, i, in, rows, 0);
            for (int g = 0; g < width; g += L) {
              FloatVector c = FloatVector.zero(S);
              for (int p = 0; p < in; p++) {
                c =
                    FloatVector.fromArray(S, at, p * width + g)
                        .fma(FloatVector.broadcast(S, rows[p]), c);
              }
              c.mul(scale).intoArray(y, i * r + g, S.indexInRange(g, r));
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

  /** The scalar twin of {@link #project} (and, with {@code transposed}, of projectThrough). */
  static void projectScalar(
      float[] x,
      long[] dropped,
      float keep,
      float[] a,
      float[] y,
      float scale,
      int n,
      int in,
      int r,
      boolean transposed) {
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < r; j++) {
        float c = 0f;
        for (int p = 0; p < in; p++) {
          float v =
              dropped == null
                  ? x[i * in + p]
                  : masked(x[i * in + p], dropped, i * words(in), p, keep);
          c = Math.fma(v, transposed ? a[p * r + j] : a[j * in + p], c);
        }
        y[i * r + j] = c * scale;
      }
    }
  }

  /**
   * {@code db[p, j] += Σ_i d[i, p] · s[i, j]} (the chain from db in order of i): a LoRA B's
   * gradient {@code dyᵀ · xs}.
   *
   * <pre>
   * // db: (in, r) accumulated   d: (N, in)   s: (N, r)
   * </pre>
   */
  public static void accumulateB(
      ComputePool pool, float[] d, float[] s, float[] db, int n, int in, int r) {
    if (!Gemm.simd()) {
      accumulateBScalar(d, s, db, n, in, r);
      return;
    }
    // dBᵀ (r, in) += sᵀ · d is accumulateA's product without a mask: run it on dB transposed
    // (each element keeps its chain from dB in order of i; the product a·b is the same as b·a)
    float[] dbt = scratch(r * in);
    for (int p = 0; p < in; p++) {
      for (int j = 0; j < r; j++) {
        dbt[j * in + p] = db[p * r + j];
      }
    }
    accumulateA(pool, s, d, null, 1f, dbt, n, in, r);
    for (int p = 0; p < in; p++) {
      for (int j = 0; j < r; j++) {
        db[p * r + j] = dbt[j * in + p];
      }
    }
  }

  /** Rows of x (or dy) per block in the gradient accumulations: their slices stay in L1. */
  private static final int I_BLOCK = 64;

  /** The scalar twin of {@link #accumulateB}. */
  static void accumulateBScalar(float[] d, float[] s, float[] db, int n, int in, int r) {
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < in; p++) {
        for (int j = 0; j < r; j++) {
          db[p * r + j] = Math.fma(d[i * in + p], s[i * r + j], db[p * r + j]);
        }
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
          for (int i0 = 0; i0 < n; i0 += I_BLOCK) {
            int i1 = Math.min(n, i0 + I_BLOCK);
            int p = p0;
            for (; p <= p1 - LowRankTile.WIDTH; p += LowRankTile.WIDTH) {
              int j = 0;
              for (; j + 8 <= r; j += 8) {
                LowRankTile.accumulateA(d, x, dropped, keep, da, i0, i1, in, words, r, j, p);
              }
              for (; j < r; j++) {
                for (int v = p; v < p + LowRankTile.WIDTH; v += L) {
                  accumulateAVector(d, x, dropped, keep, da, i0, i1, in, words, r, j, v);
                }
              }
            }
            // whole vectors left over: one row of dA at a time
            for (; p <= p1 - L; p += L) {
              for (int j = 0; j < r; j++) {
                accumulateAVector(d, x, dropped, keep, da, i0, i1, in, words, r, j, p);
              }
            }
            for (; p < p1; p++) {
              for (int i = i0; i < i1; i++) {
                float v =
                    dropped == null
                        ? x[i * in + p]
                        : masked(x[i * in + p], dropped, i * words, p, keep);
                for (int j = 0; j < r; j++) {
                  da[j * in + p] = Math.fma(d[i * r + j], v, da[j * in + p]);
                }
              }
            }
          }
        });
  }

  /** {@code da[j, p .. p+L] += Σ_{i in [i0, i1)} d[i, j] · m(x)[i, p .. p+L]}. */
  private static void accumulateAVector(
      float[] d,
      float[] x,
      long[] dropped,
      float keep,
      float[] da,
      int i0,
      int i1,
      int in,
      int words,
      int r,
      int j,
      int p) {
    FloatVector c = FloatVector.fromArray(S, da, j * in + p);
    for (int i = i0; i < i1; i++) {
      c =
          FloatVector.broadcast(S, d[i * r + j])
              .fma(maskedVector(x, dropped, keep, i, in, words, p), c);
    }
    c.intoArray(da, j * in + p);
  }

  /** Elements p .. p+L of row i of m(x). */
  private static FloatVector maskedVector(
      float[] x, long[] dropped, float keep, int i, int in, int words, int p) {
    FloatVector v = FloatVector.fromArray(S, x, i * in + p);
    return dropped == null ? v : v.mul(keep).blend(0f, droppedLanes(dropped, i * words, p));
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
            // four vectors of p at once: four independent FMA chains over j instead of one
            for (; p <= in - 4 * L; p += 4 * L) {
              FloatVector c0 = inputGradientStart(dx, to + p, dropped);
              FloatVector c1 = inputGradientStart(dx, to + p + L, dropped);
              FloatVector c2 = inputGradientStart(dx, to + p + 2 * L, dropped);
              FloatVector c3 = inputGradientStart(dx, to + p + 3 * L, dropped);
              for (int j = 0; j < r; j++) {
                FloatVector dj = FloatVector.broadcast(S, d[i * r + j]);
                int at = j * in + p;
                c0 = FloatVector.fromArray(S, a, at).fma(dj, c0);
                c1 = FloatVector.fromArray(S, a, at + L).fma(dj, c1);
                c2 = FloatVector.fromArray(S, a, at + 2 * L).fma(dj, c2);
                c3 = FloatVector.fromArray(S, a, at + 3 * L).fma(dj, c3);
              }
              inputGradientStore(c0, dx, to, p, dropped, i * words, keep);
              inputGradientStore(c1, dx, to, p + L, dropped, i * words, keep);
              inputGradientStore(c2, dx, to, p + 2 * L, dropped, i * words, keep);
              inputGradientStore(c3, dx, to, p + 3 * L, dropped, i * words, keep);
            }
            for (; p <= in - L; p += L) {
              FloatVector c = inputGradientStart(dx, to + p, dropped);
              for (int j = 0; j < r; j++) {
                c =
                    FloatVector.fromArray(S, a, j * in + p)
                        .fma(FloatVector.broadcast(S, d[i * r + j]), c);
              }
              inputGradientStore(c, dx, to, p, dropped, i * words, keep);
            }
            for (; p < in; p++) {
              dx[to + p] = inputGradientElement(d, a, dropped, keep, dx, i, p, in, r, words);
            }
          }
        });
  }

  /** Where an input-gradient chain starts: from dx without a mask, else from 0. */
  private static FloatVector inputGradientStart(float[] dx, int at, long[] dropped) {
    return dropped == null ? FloatVector.fromArray(S, dx, at) : FloatVector.zero(S);
  }

  /** Stores a chain at elements p .. p+L of the row at {@code to}, through the mask if any. */
  private static void inputGradientStore(
      FloatVector c, float[] dx, int to, int p, long[] dropped, int base, float keep) {
    if (dropped != null) {
      c =
          FloatVector.fromArray(S, dx, to + p)
              .add(c.blend(0f, droppedLanes(dropped, base, p)).mul(keep));
    }
    c.intoArray(dx, to + p);
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
