package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Up to three decode mat-vecs on the same input in one parallel loop: {@code y_i = W_i · x} for the
 * query/key/value projections, or the gate and up projections, with one hand-off to the {@link
 * ComputePool} instead of one per product. The tasks are ranges of rows of one matrix; every output
 * is computed exactly as {@link MatVec#mulNT} computes it (the same bits, for any thread count and
 * whichever products are fused). Nothing is allocated per call.
 */
public final class FusedMatVec {
  private FusedMatVec() {}

  /** Products below this many multiply-adds in all run on the calling thread alone. */
  private static final long SMALL = 1L << 16;

  /**
   * {@code y0 = W0 · x}, {@code y1 = W1 · x} and, when {@code w2} is not null, {@code y2 = W2 · x}:
   * W_i (n_i, k) in f32, x (k) at {@code xOff}, y_i (n_i) from 0.
   */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      int k,
      float[] w0,
      float[] y0,
      int n0,
      float[] w1,
      float[] y1,
      int n1,
      float[] w2,
      float[] y2,
      int n2) {
    checkAll(x, xOff, k, len(w0), y0, n0, len(w1), y1, n1, w2 == null ? 0 : w2.length, y2, n2);
    run(pool, x, xOff, k, w0, null, null, y0, n0, w1, null, null, y1, n1, w2, null, null, y2, n2);
  }

  /** The same with the W_i in bf16 (widened in registers). */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      int k,
      short[] w0,
      float[] y0,
      int n0,
      short[] w1,
      float[] y1,
      int n1,
      short[] w2,
      float[] y2,
      int n2) {
    checkAll(x, xOff, k, len(w0), y0, n0, len(w1), y1, n1, w2 == null ? 0 : w2.length, y2, n2);
    run(pool, x, xOff, k, null, w0, null, y0, n0, null, w1, null, y1, n1, null, w2, null, y2, n2);
  }

  /**
   * The same with the W_i little-endian bf16 in memory segments, each from its first byte (e.g.
   * tensors of a mapped checkpoint): the bits of the {@code short[]} product of the same values.
   */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      int k,
      MemorySegment w0,
      float[] y0,
      int n0,
      MemorySegment w1,
      float[] y1,
      int n1,
      MemorySegment w2,
      float[] y2,
      int n2) {
    checkAll(x, xOff, k, len(w0), y0, n0, len(w1), y1, n1, w2 == null ? 0 : len(w2), y2, n2);
    run(pool, x, xOff, k, null, null, w0, y0, n0, null, null, w1, y1, n1, null, null, w2, y2, n2);
  }

  private static int len(float[] w) {
    return w == null ? -1 : w.length;
  }

  private static int len(short[] w) {
    return w == null ? -1 : w.length;
  }

  private static long len(MemorySegment w) {
    return w == null ? -1 : w.byteSize() / 2;
  }

  /** Checks the products' shapes (a weight's length -1 when missing; the third may be absent). */
  private static void checkAll(
      float[] x,
      int xOff,
      int k,
      long length0,
      float[] y0,
      int n0,
      long length1,
      float[] y1,
      int n1,
      long length2,
      float[] y2,
      int n2) {
    check(x, xOff, k, length0, y0, n0);
    check(x, xOff, k, length1, y1, n1);
    if (length2 > 0) {
      check(x, xOff, k, length2, y2, n2);
    }
  }

  private static void check(float[] x, int xOff, int k, long wLength, float[] y, int n) {
    if (wLength < 0 || k < 1 || n < 0 || (long) n * k != wLength) {
      throw new IllegalArgumentException(
          "fused mat-vec: a weight of " + wLength + " values is not " + n + " x " + k);
    }
    if (xOff < 0 || (long) xOff + k > x.length || y.length < n) {
      throw new IndexOutOfBoundsException(
          "fused mat-vec: x of "
              + x.length
              + " from "
              + xOff
              + " needs "
              + k
              + " values, y of "
              + y.length
              + " needs "
              + n);
    }
  }

  private static void run(
      ComputePool pool,
      float[] x,
      int xOff,
      int k,
      float[] f0,
      short[] h0,
      MemorySegment s0,
      float[] y0,
      int n0,
      float[] f1,
      short[] h1,
      MemorySegment s1,
      float[] y1,
      int n1,
      float[] f2,
      short[] h2,
      MemorySegment s2,
      float[] y2,
      int n2) {
    if (f2 == null && h2 == null && s2 == null) {
      n2 = 0;
    }
    int rows = n0 + n1 + n2;
    if (rows == 0) {
      return;
    }
    Parts b = PARTS.get();
    MatVec.set(b.part0, f0, h0, s0, x, xOff, y0, n0, k);
    MatVec.set(b.part1, f1, h1, s1, x, xOff, y1, n1, k);
    MatVec.set(b.part2, f2, h2, s2, x, xOff, y2, n2, k);
    try {
      // one schedule over the products' rows end to end: a task may finish one and start the next
      // a single task (a small product) runs on the calling thread
      pool.parallelFor(
          b.schedule.plan(rows, pool.threads(), MatVec.MIN_ROWS_PER_TASK, (long) rows * k < SMALL),
          b);
    } finally {
      MatVec.clear(b.part0);
      MatVec.clear(b.part1);
      MatVec.clear(b.part2);
    }
  }

  /**
   * The loop body: task t is a range of the products' rows taken end to end (product 0's rows, then
   * 1's, then 2's), which may span two products.
   */
  private static final class Parts implements ComputePool.Body {
    private final MatVec.Rows part0 = new MatVec.Rows();
    private final MatVec.Rows part1 = new MatVec.Rows();
    private final MatVec.Rows part2 = new MatVec.Rows();
    private final RowSchedule schedule = new RowSchedule();

    @Override
    public void run(int task, int worker) {
      int r0 = schedule.start(task);
      int r1 = schedule.end(task);
      int n0 = part0.n();
      int n01 = n0 + part1.n();
      part0.range(r0, r1);
      part1.range(r0 - n0, r1 - n0);
      part2.range(r0 - n01, r1 - n01);
    }
  }

  private static final ThreadLocal<Parts> PARTS = ThreadLocal.withInitial(Parts::new);
}
