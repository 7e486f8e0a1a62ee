package dev.lathe.tensor;

import java.nio.ByteBuffer;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix [rows, cols] in one of GGUF's block formats: each row cut into blocks of {@link
 * #BLOCK} values, each block small integers {@code q} and one scale {@code d}, the value being
 * {@code q * d}. The scales are f16 values (held widened to f32, exactly), so a GGUF tensor is held
 * value for value. {@link Q8Matrix} holds 8-bit q, {@link Q4Matrix} 4-bit q.
 *
 * <p>The product {@code y = x · Wᵀ} keeps the activations in f32 and widens each q to f32 in
 * registers: per block a dot product of the 32 values with x, then times the block's scale. This is
 * more accurate than quantizing x to int8 too (llama.cpp's dots), and not slower here: the Vector
 * API has no int8 dot-product instruction, so an int8·int8 path would widen as many values. Each
 * output is computed the same way whichever thread runs it and however many rows of x come with it,
 * so results depend neither on the thread count nor on the batch.
 *
 * <p>This class holds the row schedule and the loops over rows; a format supplies its per-row and
 * four-row dot products and its scalar value.
 */
public abstract sealed class BlockMatrix permits Q8Matrix, Q4Matrix {
  /** Values per block. */
  public static final int BLOCK = 32;

  static final VectorSpecies<Float> F = MatVec.F;
  static final int L = MatVec.L;

  /** Bytes widened per load: a quarter of the float vector's bits, at least 64. */
  static final VectorSpecies<Byte> B =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));

  /** Float vectors one byte load widens into. */
  static final int PARTS = B.length() / L;

  /**
   * Whether a block is two float vectors and one byte load of {@link #B} widens into exactly one
   * (512-bit vectors): then the formats run their kernels' straight-line forms. C2 compiled the
   * general loops, over the loads of a block and the parts of a load, to about two thirds of their
   * speed (Q8_0's batched kernel in cache: 41-54 against 60-74 GFLOP/s per thread); both forms give
   * the same bits, one FMA chain per block in order of k.
   */
  static final boolean LINE = BLOCK == 2 * L && B.length() == L;

  /** Fewest rows per parallel task. */
  private static final int MIN_ROWS_PER_TASK = 16;

  /** Products below this many multiply-adds run as one task on the calling thread. */
  private static final long SMALL = 1L << 16;

  private final String format;
  final float[] scales; // (rows, cols / BLOCK)
  final int rows;
  final int cols;

  BlockMatrix(String format, float[] scales, int rows, int cols) {
    this.format = format;
    this.scales = scales;
    this.rows = rows;
    this.cols = cols;
  }

  /** GGUF's name of the format, e.g. "Q8_0". */
  public final String format() {
    return format;
  }

  /**
   * The integer q of value {@code i} (row-major index): the value is {@code q * scale of its
   * block}.
   */
  abstract int quant(int i);

  /** Bytes held: the values and four per block scale. */
  public abstract long bytes();

  /** The quants, each block's as GGUF stores them after its scale, held as they are. */
  abstract byte[] values();

  /**
   * Whether a mat-vec reads the lines of the next four rows (two from each of its two streams)
   * ahead while it computes four ({@link Task#range}, {@link CacheLines}): worth it where widening
   * the quants leaves the loads waiting (Q8_0 on 2 threads from memory: 12.1 against 13.8 GB/s with
   * the touch, in a scratch harness on a Xeon), not where unpacking them is work enough to cover
   * them.
   */
  abstract boolean touchAhead();

  /**
   * Row {@code r} · x (x from {@code xAt}): per block, lane-wise products accumulated in one
   * vector, then scaled by the block's scale into the row's accumulator, left unreduced in {@code
   * lanes[0 .. L)}; the caller sums the lanes by {@link MatVec#reduce}. Neither takes nor returns a
   * vector, so the JIT never has to box one when its inlining budget runs out.
   */
  abstract void dot(float[] x, int xAt, int r, float[] lanes);

  /**
   * Rows {@code ra, ra+1, rb, rb+1} · x with each x vector loaded once for the four rows; each
   * row's arithmetic is exactly {@link #dot}'s (same bits), the unreduced sums left in {@code
   * sums[0 ..]}, {@code sums[L ..]}, {@code sums[2L ..]} and {@code sums[3L ..]}.
   */
  abstract void dot4(float[] x, int xAt, int ra, int rb, float[] sums);

  /**
   * Row {@code r} · four rows of x ({@code cols} apart from {@code xAt}), the row's quants widened
   * once for the four; output g's arithmetic is exactly {@link #dot}'s (same bits), its unreduced
   * sum left in {@code sums[g * L ..]}.
   */
  abstract void dotRows4(float[] x, int xAt, int r, float[] sums);

  /**
   * Row {@code r} · eight rows of x, as {@link #dotRows4} does four (output g's unreduced sum in
   * {@code sums[g * L ..]}, the bits of {@link #dot}): here as two calls of it; a format may widen
   * the row's quants once for all eight instead.
   */
  void dotRows8(float[] x, int xAt, int r, float[] sums) {
    dotRows4(x, xAt + 4 * cols, r, sums);
    System.arraycopy(sums, 0, sums, 4 * L, 4 * L);
    dotRows4(x, xAt, r, sums);
  }

  static void checkShape(String format, int rows, int cols) {
    if (rows < 0 || cols < 0 || cols % BLOCK != 0) {
      throw new IllegalArgumentException(
          "a "
              + format
              + " matrix holds rows of whole blocks of "
              + BLOCK
              + " values: "
              + rows
              + " x "
              + cols
              + " does not fit (use f32 or bf16 for this matrix)");
    }
  }

  /** Checks that {@code w} holds (rows, cols) values a {@code format} matrix can quantize. */
  static void checkWeights(String format, float[] w, int rows, int cols) {
    checkShape(format, rows, cols);
    if (w.length != (long) rows * cols) {
      throw new IllegalArgumentException(
          "weight of " + w.length + " values is not " + rows + " x " + cols);
    }
  }

  /**
   * Checks that {@code q} holds {@code bytesPerBlock} bytes and {@code scales} one scale per block
   * of a (rows, cols) {@code format} matrix.
   */
  static void checkHeld(
      String format, byte[] q, int bytesPerBlock, float[] scales, int rows, int cols) {
    checkShape(format, rows, cols);
    long blocks = (long) rows * (cols / BLOCK);
    if (q.length != blocks * bytesPerBlock || scales.length != blocks) {
      throw new IllegalArgumentException(
          format
              + " matrix "
              + rows
              + " x "
              + cols
              + " needs "
              + blocks * bytesPerBlock
              + " bytes and "
              + blocks
              + " scales, got "
              + q.length
              + " and "
              + scales.length);
    }
  }

  public final int rows() {
    return rows;
  }

  public final int cols() {
    return cols;
  }

  /** The block scales (rows, cols / 32), held as they are. */
  final float[] scales() {
    return scales;
  }

  /**
   * Writes every block as GGUF stores it to {@code out} (little-endian): the f16 scale, then the
   * quants.
   */
  public final void writeBlocks(ByteBuffer out) {
    byte[] q = values();
    int per = q.length / scales.length;
    for (int b = 0; b < scales.length; b++) {
      out.putShort(Float.floatToFloat16(scales[b]));
      out.put(q, b * per, per);
    }
  }

  /** Writes row {@code r} dequantized into {@code dst[dstOff .. dstOff+cols)}. */
  public final void row(int r, float[] dst, int dstOff) {
    int nb = cols / BLOCK;
    for (int b = 0; b < nb; b++) {
      float d = scales[r * nb + b];
      int at = r * cols + b * BLOCK;
      for (int i = 0; i < BLOCK; i++) {
        dst[dstOff + b * BLOCK + i] = quant(at + i) * d;
      }
    }
  }

  /** Every value dequantized to f32. */
  public final float[] toF32() {
    float[] out = new float[rows * cols];
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
  public final void mulNT(ComputePool pool, float[] x, int xOff, float[] y, int yOff, int m) {
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
   * one row x (cols) at {@code xOff}, all of the same format and width, in one parallel loop: the
   * decode step's query/key/value or gate/up products with one hand-off to the pool. Each output
   * has the bits {@link #mulNT} gives it.
   */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      BlockMatrix a,
      float[] ya,
      BlockMatrix b,
      float[] yb,
      BlockMatrix c,
      float[] yc) {
    a.check(x, xOff, ya, 0, 1);
    b.check(x, xOff, yb, 0, 1);
    if (c != null) {
      c.check(x, xOff, yc, 0, 1);
    }
    if (b.cols != a.cols
        || (c != null && c.cols != a.cols)
        || b.getClass() != a.getClass()
        || (c != null && c.getClass() != a.getClass())) {
      throw new IllegalArgumentException(
          "fused block mat-vec: the matrices are not of one format and width ("
              + a.format()
              + " "
              + a.cols
              + ", "
              + b.format()
              + " "
              + b.cols
              + (c == null ? "" : ", " + c.format() + " " + c.cols)
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

    void set(Task t, BlockMatrix w, float[] x, int xOff, float[] y) {
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
  public final void mulNTScalar(float[] x, int xOff, float[] y, int yOff, int m) {
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
            s = Math.fma(quant(at + j), x[xAt + j], s);
          }
          acc = Math.fma(s, scales[r * nb + b], acc);
        }
        y[yOff + i * rows + r] = acc;
      }
    }
  }

  private void check(float[] x, int xOff, float[] y, int yOff, int m) {
    GemmChecks.check(
        "block matrix mulNT", x.length, xOff, (long) rows * cols, 0, y.length, yOff, m, rows, cols);
  }

  /** One product's operands and its loop body; each thread reuses its own (nothing allocated). */
  private static final class Task implements ComputePool.Body {
    private BlockMatrix w;
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

    /**
     * Computes weight rows {@code [from, to)} clipped to this matrix's rows (none outside). Every
     * output is one kernel's arithmetic for its row whichever kernel runs it ({@link #dot}, {@link
     * #dot4}, {@link #dotRows4}, {@link #dotRows8} agree bit for bit), so a row of x gets the same
     * bits alone or in a batch.
     */
    void range(int from, int to) {
      int r0 = Math.max(0, from);
      int r1 = Math.min(w.rows, to);
      int r = r0;
      float[] sums = SUMS.get();
      // the range's two halves, [r0, mid) and [mid, r1), the first one longer when it is odd
      int half = (r1 - r0) / 2;
      int mid = r1 - half;
      if (m >= 4) {
        // a batch: each weight row against eight (then four) rows of x at a time, so that its
        // quants are widened once for them (widening, not reading, is most of the work); the
        // weight rows taken from each half of the range in turn, two memory streams (see RowDot):
        // 8 streams of Q8_0 decoded 263-268 tok/s with one stream, 304-322 with two
        int i = 0;
        while (i + 4 <= m) {
          int g = i + 8 <= m ? 8 : 4;
          for (int s = 0; s < mid - r0; s++) {
            for (int part = 0; part < 2; part++) {
              r = part == 0 ? r0 + s : mid + s;
              if (r >= r1) {
                continue;
              }
              if (g == 8) {
                w.dotRows8(x, xOff + i * w.cols, r, sums);
              } else {
                w.dotRows4(x, xOff + i * w.cols, r, sums);
              }
              for (int o = 0; o < g; o++) {
                y[yOff + (i + o) * w.rows + r] = MatVec.reduce(sums, o * L);
              }
            }
          }
          i += g;
        }
        for (; i < m; i++) {
          for (r = r0; r < r1; r++) {
            w.dot(x, xOff + i * w.cols, r, sums);
            y[yOff + i * w.rows + r] = MatVec.reduce(sums, 0);
          }
        }
        return;
      }
      // one to three rows of x: four weight rows at a time, sharing each load of x: widening the
      // quants is arithmetic enough that one row alone is bound by its dependency chains, not by
      // memory (four rows decode Q4_0 about 1.5x faster than one at a time; Q8_0 alike). The four
      // are two from each half of the range, two memory streams (see RowDot)
      byte[] quants = w.values();
      int rowBytes = quants.length / w.rows;
      boolean ahead = w.touchAhead();
      int touched = 0;
      int steps = half / 2;
      for (int s = 0; s < steps; s++) {
        int ra = r0 + 2 * s;
        int rb = mid + 2 * s;
        if (ahead && s + 1 < steps) {
          touched += CacheLines.touch(quants, (ra + 2) * rowBytes, (ra + 4) * rowBytes);
          touched += CacheLines.touch(quants, (rb + 2) * rowBytes, (rb + 4) * rowBytes);
        }
        for (int i = 0; i < m; i++) {
          w.dot4(x, xOff + i * w.cols, ra, rb, sums);
          int yi = yOff + i * w.rows;
          y[yi + ra] = MatVec.reduce(sums, 0);
          y[yi + ra + 1] = MatVec.reduce(sums, L);
          y[yi + rb] = MatVec.reduce(sums, 2 * L);
          y[yi + rb + 1] = MatVec.reduce(sums, 3 * L);
        }
      }
      // the rows left over in each half (at most two in the first, one in the second) one by one
      for (int part = 0; part < 2; part++) {
        int end = part == 0 ? mid : r1;
        for (r = (part == 0 ? r0 : mid) + 2 * steps; r < end; r++) {
          for (int i = 0; i < m; i++) {
            w.dot(x, xOff + i * w.cols, r, sums);
            y[yOff + i * w.rows + r] = MatVec.reduce(sums, 0);
          }
        }
      }
      sums[8 * L] += touched;
    }
  }

  private static final ThreadLocal<Task> TASKS = ThreadLocal.withInitial(Task::new);

  /**
   * Each thread's unreduced row sums (up to eight), then the sink of its touches (written, so that
   * the JIT keeps the loads).
   */
  private static final ThreadLocal<float[]> SUMS =
      ThreadLocal.withInitial(() -> new float[8 * L + 1]);
}
