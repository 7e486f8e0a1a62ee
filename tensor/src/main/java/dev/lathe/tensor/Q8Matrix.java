package dev.lathe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix [rows, cols] in Q8_0, GGUF's 8-bit format: each row cut into blocks of {@link
 * #BLOCK} values, each block {@link #BLOCK} signed bytes {@code q} and one scale {@code d}, the
 * value being {@code q * d}. The scales are f16 values (held widened to f32, exactly), so a GGUF
 * Q8_0 tensor is held value for value, and {@link #quantize} follows GGUF's rounding: {@code d =
 * max|x| / 127} rounded to f16, {@code q = round(x * 127 / max|x|)}.
 *
 * <p>The product {@code y = x · Wᵀ} keeps the activations in f32 and widens each weight byte to f32
 * in registers: per block a dot product of the 32 bytes with x, then times the block's scale. This
 * is more accurate than quantizing x to int8 too (llama.cpp's q8_0·q8_0 dot), and not slower here:
 * the Vector API has no int8 dot-product instruction, so an int8·int8 path would widen as many
 * values. The weights stream at a bit over a byte per value (a quarter of f32). Each output is
 * computed the same way whichever thread runs it, so results do not depend on the thread count.
 */
public final class Q8Matrix {
  /** Values per block. */
  public static final int BLOCK = 32;

  private static final VectorSpecies<Float> F = MatVec.F;
  private static final int L = MatVec.L;

  /** Bytes widened per load: a quarter of the float vector's bits, at least 64. */
  private static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));

  /** Float vectors one byte load widens into. */
  private static final int PARTS = B.length() / L;

  /** Fewest rows per parallel task. */
  private static final int MIN_ROWS_PER_TASK = 16;

  /** Products below this many multiply-adds run as one task on the calling thread. */
  private static final long SMALL = 1L << 16;

  private final byte[] q; // (rows, cols)
  private final float[] scales; // (rows, cols / BLOCK)
  private final int rows;
  private final int cols;

  private Q8Matrix(byte[] q, float[] scales, int rows, int cols) {
    this.q = q;
    this.scales = scales;
    this.rows = rows;
    this.cols = cols;
  }

  /**
   * Holds {@code q} (rows, cols) and {@code scales} (rows, cols / 32) as they are, e.g. a GGUF Q8_0
   * tensor's blocks. Each scale must be an f16 value.
   */
  public static Q8Matrix of(byte[] q, float[] scales, int rows, int cols) {
    checkShape(rows, cols);
    if (q.length != (long) rows * cols || scales.length != (long) rows * (cols / BLOCK)) {
      throw new IllegalArgumentException(
          "Q8_0 matrix "
              + rows
              + " x "
              + cols
              + " needs "
              + (long) rows * cols
              + " values and "
              + (long) rows * (cols / BLOCK)
              + " scales, got "
              + q.length
              + " and "
              + scales.length);
    }
    return new Q8Matrix(q, scales, rows, cols);
  }

  /** Quantizes {@code w} (rows, cols) to Q8_0; cols must be a multiple of 32. */
  public static Q8Matrix quantize(float[] w, int rows, int cols) {
    checkShape(rows, cols);
    if (w.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "weight of " + w.length + " values is not " + rows + " x " + cols);
    }
    byte[] q = new byte[w.length];
    float[] scales = new float[w.length / BLOCK];
    for (int b = 0; b < scales.length; b++) {
      int at = b * BLOCK;
      float amax = 0;
      for (int i = at; i < at + BLOCK; i++) {
        amax = Math.max(amax, Math.abs(w[i]));
      }
      float d = amax / 127f;
      float id = d != 0 ? 1f / d : 0f;
      scales[b] = Float.float16ToFloat(Float.floatToFloat16(d));
      for (int i = at; i < at + BLOCK; i++) {
        q[i] = (byte) Math.round(w[i] * id);
      }
    }
    return new Q8Matrix(q, scales, rows, cols);
  }

  private static void checkShape(int rows, int cols) {
    if (rows < 0 || cols < 0 || cols % BLOCK != 0) {
      throw new IllegalArgumentException(
          "a Q8_0 matrix holds rows of whole blocks of "
              + BLOCK
              + " values: "
              + rows
              + " x "
              + cols
              + " does not fit (use f32 or bf16 for this matrix)");
    }
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** Bytes held: one per value and four per block scale. */
  public long bytes() {
    return q.length + 4L * scales.length;
  }

  /** Writes row {@code r} dequantized into {@code dst[dstOff .. dstOff+cols)}. */
  public void row(int r, float[] dst, int dstOff) {
    int nb = cols / BLOCK;
    for (int b = 0; b < nb; b++) {
      float d = scales[r * nb + b];
      int at = r * cols + b * BLOCK;
      for (int i = 0; i < BLOCK; i++) {
        dst[dstOff + b * BLOCK + i] = q[at + i] * d;
      }
    }
  }

  /** Every value dequantized to f32. */
  public float[] toF32() {
    float[] out = new float[q.length];
    for (int r = 0; r < rows; r++) {
      row(r, out, r * cols);
    }
    return out;
  }

  /**
   * {@code y = x · Wᵀ} for {@code m} rows of x, on {@code pool}: each weight row is read once and
   * used for all m rows.
   *
   * <pre>
   * // y: (M, rows) at yOff   x: (M, cols) at xOff
   * </pre>
   */
  public void mulNT(ComputePool pool, float[] x, int xOff, float[] y, int yOff, int m) {
    check(x, xOff, y, yOff, m);
    Task t = TASKS.get();
    t.w = this;
    t.x = x;
    t.xOff = xOff;
    t.y = y;
    t.yOff = yOff;
    t.m = m;
    boolean small = (long) m * rows * cols < SMALL;
    try {
      pool.parallelFor(t.schedule.plan(rows, pool.threads(), MIN_ROWS_PER_TASK, small), t);
    } finally {
      t.w = null;
      t.x = null;
      t.y = null;
    }
  }

  /**
   * {@code ya = a · x}, {@code yb = b · x} and, when {@code c} is not null, {@code yc = c · x} for
   * one row x (cols) at {@code xOff}, all of the same width, in one parallel loop: the decode
   * step's query/key/value or gate/up products with one hand-off to the pool. Each output has the
   * bits {@link #mulNT} gives it.
   */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      Q8Matrix a,
      float[] ya,
      Q8Matrix b,
      float[] yb,
      Q8Matrix c,
      float[] yc) {
    a.check(x, xOff, ya, 0, 1);
    b.check(x, xOff, yb, 0, 1);
    if (c != null) {
      c.check(x, xOff, yc, 0, 1);
    }
    if (b.cols != a.cols || (c != null && c.cols != a.cols)) {
      throw new IllegalArgumentException(
          "fused Q8_0 mat-vec: the matrices are not equally wide ("
              + a.cols
              + ", "
              + b.cols
              + (c == null ? "" : ", " + c.cols)
              + ")");
    }
    int rows = a.rows + b.rows + (c == null ? 0 : c.rows);
    boolean small = (long) rows * a.cols < SMALL;
    Fused f = FUSED.get();
    f.set(f.a, a, x, xOff, ya);
    f.set(f.b, b, x, xOff, yb);
    f.set(f.c, c, x, xOff, yc);
    try {
      // one schedule over the matrices' rows end to end: a task may finish one and start the next;
      // a single task (a small product) runs on the calling thread
      pool.parallelFor(f.schedule.plan(rows, pool.threads(), MIN_ROWS_PER_TASK, small), f);
    } finally {
      f.set(f.a, null, null, 0, null);
      f.set(f.b, null, null, 0, null);
      f.set(f.c, null, null, 0, null);
    }
  }

  /**
   * The fused loop body: task t is a range of the matrices' rows taken end to end (a's, then b's,
   * then c's), which may span two matrices.
   */
  private static final class Fused implements ComputePool.Body {
    private final Task a = new Task();
    private final Task b = new Task();
    private final Task c = new Task();
    private final RowSchedule schedule = new RowSchedule();

    void set(Task t, Q8Matrix w, float[] x, int xOff, float[] y) {
      t.w = w;
      t.x = x;
      t.xOff = xOff;
      t.y = y;
      t.yOff = 0;
      t.m = 1;
    }

    @Override
    public void run(int task, int worker) {
      int r0 = schedule.start(task);
      int r1 = schedule.end(task);
      int na = a.w.rows;
      int nab = na + b.w.rows;
      a.range(r0, r1);
      b.range(r0 - na, r1 - na);
      if (c.w != null) {
        c.range(r0 - nab, r1 - nab);
      }
    }
  }

  private static final ThreadLocal<Fused> FUSED = ThreadLocal.withInitial(Fused::new);

  /** The scalar twin of {@link #mulNT}: per block an in-order dot product, times the scale. */
  public void mulNTScalar(float[] x, int xOff, float[] y, int yOff, int m) {
    check(x, xOff, y, yOff, m);
    int nb = cols / BLOCK;
    for (int i = 0; i < m; i++) {
      for (int r = 0; r < rows; r++) {
        float acc = 0;
        for (int b = 0; b < nb; b++) {
          float s = 0;
          int at = r * cols + b * BLOCK;
          int xAt = xOff + i * cols + b * BLOCK;
          for (int j = 0; j < BLOCK; j++) {
            s = Math.fma(q[at + j], x[xAt + j], s);
          }
          acc = Math.fma(s, scales[r * nb + b], acc);
        }
        y[yOff + i * rows + r] = acc;
      }
    }
  }

  private void check(float[] x, int xOff, float[] y, int yOff, int m) {
    GemmChecks.check("Q8_0 mulNT", x.length, xOff, q.length, 0, y.length, yOff, m, rows, cols);
  }

  /** One product's operands and its loop body; each thread reuses its own (nothing allocated). */
  private static final class Task implements ComputePool.Body {
    private Q8Matrix w;
    private float[] x;
    private int xOff;
    private float[] y;
    private int yOff;
    private int m;
    private final RowSchedule schedule = new RowSchedule();

    @Override
    public void run(int task, int worker) {
      range(schedule.start(task), schedule.end(task));
    }

    /** Computes weight rows {@code [from, to)} clipped to this matrix's rows (none outside). */
    void range(int from, int to) {
      int r0 = Math.max(0, from);
      int r1 = Math.min(w.rows, to);
      int r = r0;
      if (m > 1) {
        // prefill: four rows share each load of x (x is too large for L1)
        float[] sums = SUMS.get();
        for (; r + 4 <= r1; r += 4) {
          for (int i = 0; i < m; i++) {
            w.dot4(x, xOff + i * w.cols, r, sums);
            for (int g = 0; g < 4; g++) {
              y[yOff + i * w.rows + r + g] = MatVec.reduce(FloatVector.fromArray(F, sums, g * L));
            }
          }
        }
      }
      // decode: one row at a time, read front to back, which streams from memory faster than rows
      // interleaved (see MatVec); the same bits as dot4
      float[] lanes = SUMS.get();
      for (; r < r1; r++) {
        for (int i = 0; i < m; i++) {
          w.dot(x, xOff + i * w.cols, r, lanes);
          y[yOff + i * w.rows + r] = MatVec.reduce(FloatVector.fromArray(F, lanes, 0));
        }
      }
    }
  }

  private static final ThreadLocal<Task> TASKS = ThreadLocal.withInitial(Task::new);

  /** Each thread's four unreduced row sums. */
  private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[4 * L]);

  /**
   * Rows {@code r .. r+3} · x with each x vector loaded once for the four rows; row g's arithmetic
   * is exactly {@link #dot}'s (same bits), its unreduced sum left in {@code sums[g * L ..]} and
   * reduced by the caller (reducing here would spend the JIT's inlining budget, see {@link
   * MatVec}).
   */
  private void dot4(float[] x, int xAt, int r, float[] sums) {
    int nb = cols / BLOCK;
    FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    int at = r * cols;
    int sc = r * nb;
    for (int b = 0; b < nb; b++, at += BLOCK, xAt += BLOCK) {
      FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector q0 = ByteVector.fromArray(B, q, at + j);
        ByteVector q1 = ByteVector.fromArray(B, q, at + cols + j);
        ByteVector q2 = ByteVector.fromArray(B, q, at + 2 * cols + j);
        ByteVector q3 = ByteVector.fromArray(B, q, at + 3 * cols + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector xv = FloatVector.fromArray(F, x, xAt + j + p * L);
          s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).fma(xv, s0);
          s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).fma(xv, s1);
          s2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).fma(xv, s2);
          s3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).fma(xv, s3);
        }
      }
      acc0 = s0.fma(FloatVector.broadcast(F, scales[sc + b]), acc0);
      acc1 = s1.fma(FloatVector.broadcast(F, scales[sc + nb + b]), acc1);
      acc2 = s2.fma(FloatVector.broadcast(F, scales[sc + 2 * nb + b]), acc2);
      acc3 = s3.fma(FloatVector.broadcast(F, scales[sc + 3 * nb + b]), acc3);
    }
    acc0.intoArray(sums, 0);
    acc1.intoArray(sums, L);
    acc2.intoArray(sums, 2 * L);
    acc3.intoArray(sums, 3 * L);
  }

  /**
   * Row {@code r} · x: per block, lane-wise products of the widened bytes and x accumulated in one
   * vector, which is then scaled by the block's scale into the row's accumulator; lanes summed by
   * {@link MatVec#reduce} by the caller: this method neither takes nor returns a vector, so the JIT
   * never has to box one when its inlining budget runs out (as {@link #dot4}).
   */
  private void dot(float[] x, int xAt, int r, float[] lanes) {
    int nb = cols / BLOCK;
    FloatVector acc = FloatVector.zero(F);
    int at = r * cols;
    for (int b = 0; b < nb; b++, at += BLOCK, xAt += BLOCK) {
      FloatVector s = FloatVector.zero(F);
      for (int j = 0; j < BLOCK; j += B.length()) {
        ByteVector bytes = ByteVector.fromArray(B, q, at + j);
        for (int p = 0; p < PARTS; p++) {
          FloatVector wv = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, p);
          s = wv.fma(FloatVector.fromArray(F, x, xAt + j + p * L), s);
        }
      }
      acc = s.fma(FloatVector.broadcast(F, scales[r * nb + b]), acc);
    }
    acc.intoArray(lanes, 0);
  }

  /** The values q (rows, cols), held as they are: for the packed GEMM, which reads not writes. */
  byte[] values() {
    return q;
  }

  /** The block scales (rows, cols / 32), held as they are. */
  float[] scales() {
    return scales;
  }
}
