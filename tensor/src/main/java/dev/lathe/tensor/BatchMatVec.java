package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code y = x · Wᵀ} for the few rows of a batched decode step (one row per sequence), the weights
 * (f32, bf16, or bf16 in a memory segment such as a mapped checkpoint) streamed from memory once
 * for all rows.
 *
 * <p>Every output {@code y[r, j]} is computed the same way whatever the batch: one accumulator
 * vector over {@code k} in order, reduced by a fixed tree, then the scalar tail in order. So a
 * row's values depend only on its own input row and the weights, never on how many rows ran with it
 * or which: a sequence decoded in a batch of eight gets the bits it gets alone. Register tiles of
 * four weight rows by four input rows load (and widen, for bf16) each weight vector once for the
 * four rows and keep sixteen independent FMA chains in flight, so a batch of eight costs little
 * more than one row's weight read; parallel tasks own ranges of weight rows. Two or three products
 * of one input (a layer's query, key and value, or its gate and up) run as one parallel loop, so a
 * step hands work to the pool fewer times. Nothing is allocated per call. The kernels are {@link
 * BatchTiles}'.
 */
public final class BatchMatVec {
  private BatchMatVec() {}

  private static final int L = MatVec.L;

  /** Weight rows per tile. */
  private static final int TILE = 4;

  /** Input rows per tile. */
  private static final int ROWS = 4;

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
    run(pool, x, xOff, w, null, null, y, yOff, m, n, k);
  }

  /** The same with W bf16 (widened in registers; the product equals that of its f32 values). */
  public static void mulNT(
      ComputePool pool, float[] x, int xOff, short[] w, float[] y, int yOff, int m, int n, int k) {
    check(x.length, xOff, w.length, y.length, yOff, m, n, k);
    run(pool, x, xOff, null, w, null, y, yOff, m, n, k);
  }

  /**
   * The same with W little-endian bf16 in a memory segment from its first byte (e.g. a tensor of a
   * mapped checkpoint): the same bits as the {@code short[]} product of the same values.
   */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      MemorySegment w,
      float[] y,
      int yOff,
      int m,
      int n,
      int k) {
    check(x.length, xOff, w.byteSize() / 2, y.length, yOff, m, n, k);
    run(pool, x, xOff, null, null, w, y, yOff, m, n, k);
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

  private static void check(int xl, int xOff, long wl, int yl, int yOff, int m, int n, int k) {
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

  /**
   * Up to three products of one input (a layer's query, key and value projections, or its gate and
   * up) added one by one, then run as ONE parallel loop over all their weight rows: each output's
   * bits are those of {@link #mulNT} alone. One per thread ({@link #fused}), reused, so nothing is
   * allocated.
   *
   * <pre>
   * BatchMatVec.fused().add(wq, q, nq).add(wk, k, nk).add(wv, v, nv).run(pool, x, 0, m, cols);
   * </pre>
   */
  public static final class Fused {
    private final Tiles t = new Tiles();
    private int parts;

    private Fused() {}

    /** Adds {@code y = x · Wᵀ}, W f32 (n, k), y (m, n). */
    public Fused add(float[] w, float[] y, int n) {
      return put(w, null, null, y, n);
    }

    /** Adds {@code y = x · Wᵀ}, W bf16 (n, k), y (m, n). */
    public Fused add(short[] w, float[] y, int n) {
      return put(null, w, null, y, n);
    }

    /** Adds {@code y = x · Wᵀ}, W little-endian bf16 (n, k) in a segment, y (m, n). */
    public Fused add(MemorySegment w, float[] y, int n) {
      return put(null, null, w, y, n);
    }

    private Fused put(float[] f, short[] h, MemorySegment s, float[] y, int n) {
      if (parts == t.n.length) {
        parts = 0;
        throw new IllegalStateException(
            "a fused batched product takes at most " + t.n.length + " products");
      }
      t.part(parts++, f, h, s, y, 0, n);
      return this;
    }

    /** Runs the products added, x (m, k) at {@code xOff}, and forgets them. */
    public void run(ComputePool pool, float[] x, int xOff, int m, int k) {
      int n = parts;
      parts = 0;
      for (int p = 0; p < n; p++) {
        long wl =
            t.f32[p] != null
                ? t.f32[p].length
                : t.bf16[p] != null ? t.bf16[p].length : t.seg[p].byteSize() / 2;
        check(x.length, xOff, wl, t.y[p].length, 0, m, t.n[p], k);
      }
      BatchMatVec.run(pool, t, x, xOff, m, k, n);
    }
  }

  private static final ThreadLocal<Fused> FUSED = ThreadLocal.withInitial(Fused::new);

  /** This thread's {@link Fused}, empty. */
  public static Fused fused() {
    return FUSED.get();
  }

  /**
   * The operands of one call (up to three products sharing x) and its loop body; one per thread,
   * reused. A task owns a range of one product's weight rows, for every input row.
   */
  private static final class Tiles implements ComputePool.Body {
    private float[] x;
    private int xOff;
    private int m;
    private int k;
    private final float[][] f32 = new float[3][];
    private final short[][] bf16 = new short[3][];
    private final MemorySegment[] seg = new MemorySegment[3];
    private final float[][] y = new float[3][];
    private final int[] yOff = new int[3];
    private final int[] n = new int[3];
    private final int[] rowsPerTask = new int[3];
    private final int[] firstTask = new int[4]; // part p's tasks are [firstTask[p], firstTask[p+1])
    // per worker: a tile's unreduced sums, then the sink of the touches (so the JIT keeps them)
    private float[][] sums = new float[1][BatchTiles.SUMS + 1];
    // the input rows of a batched product, copied to start on a cache line (AlignedFloats)
    private float[] lined = new float[0];

    void part(int p, float[] f, short[] h, MemorySegment s, float[] out, int outOff, int rows) {
      f32[p] = f;
      bf16[p] = h;
      seg[p] = s;
      y[p] = out;
      yOff[p] = outOff;
      n[p] = rows;
    }

    @Override
    public void run(int task, int worker) {
      int p = 0;
      while (task >= firstTask[p + 1]) {
        p++;
      }
      int j0 = (task - firstTask[p]) * rowsPerTask[p];
      range(this, p, j0, Math.min(n[p], j0 + rowsPerTask[p]), sums[worker]);
    }
  }

  private static final ThreadLocal<Tiles> TILES = ThreadLocal.withInitial(Tiles::new);

  private static void run(
      ComputePool pool,
      float[] x,
      int xOff,
      float[] f32,
      short[] bf16,
      MemorySegment seg,
      float[] y,
      int yOff,
      int m,
      int n,
      int k) {
    Tiles t = TILES.get();
    t.part(0, f32, bf16, seg, y, yOff, n);
    run(pool, t, x, xOff, m, k, 1);
  }

  /**
   * Splits each part's weight rows into tasks of about equal size (about four per thread over all
   * parts, eight with four or more input rows, whose tasks take longer: the thread that finishes
   * last then waits less; a multiple of a tile's weight rows, never straddling two parts) and runs
   * them.
   */
  private static void run(ComputePool pool, Tiles t, float[] x, int xOff, int m, int k, int parts) {
    if (m >= ROWS) {
      // the tiles load each input vector once per weight row: from a cache line, not across two
      t.lined = AlignedFloats.atLeast(t.lined, m * k);
      System.arraycopy(x, xOff, t.lined, AlignedFloats.START, m * k);
      t.x = t.lined;
      t.xOff = AlignedFloats.START;
    } else {
      t.x = x;
      t.xOff = xOff;
    }
    t.m = m;
    t.k = k;
    int total = 0;
    for (int p = 0; p < parts; p++) {
      total += t.n[p];
    }
    int perThread = m >= ROWS ? 8 : 4;
    int target = Math.max(MIN_ROWS_PER_TASK, ceilDiv(total, pool.threads() * perThread));
    int tasks = 0;
    for (int p = 0; p < parts; p++) {
      int split = Math.max(1, Math.round((float) t.n[p] / target));
      t.rowsPerTask[p] = Math.max(TILE, ceilDiv(ceilDiv(t.n[p], split), TILE) * TILE);
      t.firstTask[p] = tasks;
      tasks += m == 0 ? 0 : ceilDiv(t.n[p], t.rowsPerTask[p]);
    }
    t.firstTask[parts] = tasks;
    for (int p = parts + 1; p < t.firstTask.length; p++) {
      t.firstTask[p] = Integer.MAX_VALUE;
    }
    if (t.sums.length < pool.threads()) {
      t.sums = new float[pool.threads()][BatchTiles.SUMS + 1];
    }
    try {
      if (tasks > 1 && pool.threads() > 1) {
        pool.parallelFor(tasks, t);
      } else {
        for (int task = 0; task < tasks; task++) {
          t.run(task, 0);
        }
      }
    } finally {
      t.x = null;
      for (int p = 0; p < 3; p++) {
        t.part(p, null, null, null, null, 0, 0);
      }
    }
  }

  /**
   * Weight rows {@code [j0, j1)} of part {@code p} for every input row: four weight rows at a time,
   * one from each quarter of the range, against four input rows at a time (sixteen accumulators,
   * each weight vector loaded and widened once for the four rows), the last one to three input rows
   * one at a time; the zero to three rows past the quarters one output at a time.
   *
   * <p>Why quarters: each tile's four rows are four memory streams far apart, each keeping the
   * others' gaps at a 4 KB page busy (see {@link RowDot}). In a harness reading 300 MB of bf16 rows
   * for one input row (2 threads, 2-core Xeon with AVX-512), a tile of two adjacent rows from each
   * half of the range read 21.1-26.0 GB/s, one row from each quarter 27.1-29.8, about as fast as
   * {@link MatVec}'s pairs (28.3-31.9).
   */
  private static void range(Tiles t, int p, int j0, int j1, float[] sums) {
    int k = t.k;
    int kv = k - k % L;
    float[] wf = t.f32[p];
    short[] wh = t.bf16[p];
    MemorySegment ws = t.seg[p];
    float[] y = t.y[p];
    int n = t.n[p];
    int yo = t.yOff[p];
    int quarter = (j1 - j0) / TILE;
    for (int s = 0; s < quarter; s++) {
      int j = j0 + s;
      int q1 = j + quarter;
      int q2 = q1 + quarter;
      int q3 = q2 + quarter;
      boolean ahead = s + 1 < quarter;
      // where the tile's rows start in a heap array (a segment's offsets are computed in long)
      int a0 = j * k;
      int a1 = q1 * k;
      int a2 = q2 * k;
      int a3 = q3 * k;
      // with four or more input rows (weights on the heap), the first four-row tile reads the next
      // tile's rows as it goes (BatchTiles.tile4Ahead); otherwise they are read here, before this
      // tile computes
      boolean inTile = ahead && ws == null && t.m >= ROWS;
      if (t.m > 1 && ahead && !inTile) {
        // the next tile's four rows, on their way while this one computes
        sums[BatchTiles.SUMS] =
            touch(wf, wh, ws, (j + 1) * k, k)
                + touch(wf, wh, ws, (q1 + 1) * k, k)
                + touch(wf, wh, ws, (q2 + 1) * k, k)
                + touch(wf, wh, ws, (q3 + 1) * k, k);
      }
      int r = 0;
      for (; r + ROWS <= t.m; r += ROWS) {
        int xo = t.xOff + r * k;
        boolean first = inTile && r == 0;
        if (wf != null && first) {
          BatchTiles.tile4Ahead(
              t.x, xo, wf, a0, a1, a2, a3, k, kv, sums, a0 + k, a1 + k, a2 + k, a3 + k);
        } else if (wf != null) {
          BatchTiles.tile4(t.x, xo, wf, a0, a1, a2, a3, k, kv, sums);
        } else if (first) {
          BatchTiles.tile4Ahead(
              t.x, xo, wh, a0, a1, a2, a3, k, kv, sums, a0 + k, a1 + k, a2 + k, a3 + k);
        } else if (wh != null) {
          BatchTiles.tile4(t.x, xo, wh, a0, a1, a2, a3, k, kv, sums);
        } else {
          BatchTiles.tile4(
              t.x, xo, ws, (long) j * k, (long) q1 * k, (long) q2 * k, (long) q3 * k, k, kv, sums);
        }
        for (int i = 0; i < ROWS; i++) {
          for (int q = 0; q < TILE; q++) {
            float v = BatchTiles.reduce(sums, (i * TILE + q) * L);
            int jq = j + q * quarter;
            y[yo + (r + i) * n + jq] = tail(t, p, r + i, jq, v);
          }
        }
      }
      for (; r < t.m; r++) {
        int xo = t.xOff + r * k;
        if (wf != null) {
          BatchTiles.tile(t.x, xo, wf, a0, a1, a2, a3, kv, sums);
        } else if (wh != null) {
          BatchTiles.tile(t.x, xo, wh, a0, a1, a2, a3, kv, sums);
        } else {
          BatchTiles.tile(
              t.x, xo, ws, (long) j * k, (long) q1 * k, (long) q2 * k, (long) q3 * k, kv, sums);
        }
        for (int q = 0; q < TILE; q++) {
          float v = BatchTiles.reduce(sums, q * L);
          int jq = j + q * quarter;
          y[yo + r * n + jq] = tail(t, p, r, jq, v);
        }
      }
    }
    // the rows past the four quarters (at most three)
    for (int j = j0 + TILE * quarter; j < j1; j++) {
      for (int r = 0; r < t.m; r++) {
        y[yo + r * n + j] = single(t, p, r, j, kv);
      }
    }
  }

  /**
   * Output (r, j) of part p alone: one accumulator over the vector part, reduced, then the tail.
   */
  private static float single(Tiles t, int p, int r, int j, int kv) {
    int xo = t.xOff + r * t.k;
    float s;
    if (t.f32[p] != null) {
      s = BatchTiles.dot(t.x, xo, t.f32[p], j * t.k, kv);
    } else if (t.bf16[p] != null) {
      s = BatchTiles.dot(t.x, xo, t.bf16[p], j * t.k, kv);
    } else {
      s = BatchTiles.dot(t.x, xo, t.seg[p], (long) j * t.k, kv);
    }
    return tail(t, p, r, j, s);
  }

  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * Reads one value per 64-byte line of a coming weight tile ({@code len} values from {@code at}),
   * so that its lines are on their way from memory while this tile computes: with several rows a
   * tile computes long enough that the hardware prefetcher alone lets the loads stall it.
   */
  private static float touch(float[] wf, short[] wh, MemorySegment ws, int at, int len) {
    if (wf != null) {
      return CacheLines.touch(wf, at, at + len);
    } else if (wh != null) {
      return CacheLines.touch(wh, at, at + len);
    }
    return CacheLines.touch(ws, at, (long) at + len);
  }

  /** Adds the scalar tail of output (r, j) of part p, in order, to its reduced vector sum. */
  private static float tail(Tiles t, int part, int r, int j, float s) {
    int xr = t.xOff + r * t.k;
    long wr = (long) j * t.k;
    float[] wf = t.f32[part];
    short[] wh = t.bf16[part];
    for (int p = t.k - t.k % L; p < t.k; p++) {
      float w;
      if (wf != null) {
        w = wf[(int) wr + p];
      } else if (wh != null) {
        w = Float.intBitsToFloat(wh[(int) wr + p] << 16);
      } else {
        w = Float.intBitsToFloat(t.seg[part].get(LE_SHORT, 2 * (wr + p)) << 16);
      }
      s = Math.fma(t.x[xr + p], w, s);
    }
    return s;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
