package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector products for decode (one row of activations): y[n] (+)= W[n,k] · x[k] with W in
 * f32, bf16 ({@code short[]}) or bf16 in a memory segment (e.g. a mapped safetensors file), and
 * y[n] (+)= x[k] · W[k,n] for the backward layouts.
 *
 * <p>bf16 weights are widened in registers ({@code bits << 16}). Each output is one dot product
 * computed the same way whichever thread runs it: four vector accumulators taking the L-wide chunks
 * of k in turn, added, the last k % L values added by one masked FMA, reduced by a fixed pairwise
 * tree ({@link #reduce}). Results therefore do not depend on the thread count. {@link FusedMatVec}
 * runs up to three products on one input in one parallel loop, each output computed as here.
 */
public final class MatVec {
  private MatVec() {}

  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final VectorSpecies<Short> H =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

  /** Fewest rows per parallel task. */
  static final int MIN_ROWS_PER_TASK = 16;

  /** Products below this many multiply-adds run as one task. */
  static final long SMALL = 1L << 15;

  /** Each thread's scratch: two rows' accumulators (four vectors each), or sixteen rows' sums. */
  private static final ThreadLocal<float[]> LANES =
      ThreadLocal.withInitial(() -> new float[16 * L]);

  /**
   * One product's operands and the loop body over its row groups: the weights addressed as rows of
   * k values (f32 array, bf16 array or bf16 segment). Each thread reuses its own, so a decode step
   * allocates no task objects; the references are dropped when the product is done.
   */
  static final class Rows implements ComputePool.Body {
    private float[] f32;
    private short[] bf16;
    private MemorySegment seg;
    private long off;
    private float[] x;
    private int xOff;
    private float[] y;
    private int yOff;
    private int n;
    private int k;
    private boolean acc;
    private final RowSchedule schedule = new RowSchedule();

    float[] f32() {
      return f32;
    }

    short[] bf16() {
      return bf16;
    }

    MemorySegment seg() {
      return seg;
    }

    long off() {
      return off;
    }

    @Override
    public void run(int task, int worker) {
      range(schedule.start(task), schedule.end(task));
    }

    /** Computes rows {@code [j0, j1)} clipped to this product's rows (none when outside them). */
    void range(int j0, int j1) {
      int from = Math.max(0, j0);
      int to = Math.min(n, j1);
      if (from < to) {
        rows(x, xOff, this, y, yOff, from, to, k, acc);
      }
    }

    int n() {
      return n;
    }
  }

  private static final ThreadLocal<Rows> ROWS = ThreadLocal.withInitial(Rows::new);

  /** Points {@code r} at one product's operands (exactly one of the weight sources non-null). */
  static void set(
      Rows r,
      float[] f32,
      short[] bf16,
      MemorySegment seg,
      float[] x,
      int xOff,
      float[] y,
      int n,
      int k) {
    r.f32 = f32;
    r.bf16 = bf16;
    r.seg = seg;
    r.off = 0;
    r.x = x;
    r.xOff = xOff;
    r.y = y;
    r.yOff = 0;
    r.n = n;
    r.k = k;
    r.acc = false;
  }

  /** Drops {@code r}'s references once its product is done. */
  static void clear(Rows r) {
    r.f32 = null;
    r.bf16 = null;
    r.seg = null;
    r.x = null;
    r.y = null;
  }

  /** y[n] (+)= W[n,k] · x[k], W in f32 at {@code w[wOff]}. */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      float[] w,
      int wOff,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean accumulate) {
    Rows r = ROWS.get();
    r.f32 = w;
    r.off = wOff;
    run(pool, x, xOff, r, y, yOff, n, k, accumulate);
  }

  /** y[n] (+)= W[n,k] · x[k], W in bf16 at {@code w[wOff]}. */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      short[] w,
      int wOff,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean accumulate) {
    Rows r = ROWS.get();
    r.bf16 = w;
    r.off = wOff;
    run(pool, x, xOff, r, y, yOff, n, k, accumulate);
  }

  /** y[n] (+)= W[n,k] · x[k], W in little-endian bf16 at element {@code wOff} of {@code w}. */
  public static void mulNT(
      ComputePool pool,
      float[] x,
      int xOff,
      MemorySegment w,
      long wOff,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean accumulate) {
    Rows r = ROWS.get();
    r.seg = w;
    r.off = wOff;
    run(pool, x, xOff, r, y, yOff, n, k, accumulate);
  }

  private static void run(
      ComputePool pool,
      float[] x,
      int xOff,
      Rows w,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean accumulate) {
    w.x = x;
    w.xOff = xOff;
    w.y = y;
    w.yOff = yOff;
    w.n = n;
    w.k = k;
    w.acc = accumulate;
    try {
      pool.parallelFor(
          w.schedule.plan(n, pool.threads(), MIN_ROWS_PER_TASK, (long) n * k < SMALL), w);
    } finally {
      clear(w);
    }
  }

  /**
   * Rows {@code [j0, j1)}: the first and second halves of the range in step, row {@code j0 + i}
   * paired with row {@code mid + i} ({@link RowDot} says why), and the middle row alone when the
   * count is odd. The rows of a product below {@link #SMALL} are read from cache, where the cost is
   * each row's reduction rather than memory: they go sixteen at a time, their vectors summed
   * together by {@link SixteenDots#sums} where the machine has sixteen lanes, one at a time
   * otherwise. Each row's bits are the same however it is paired or grouped.
   */
  private static void rows(
      float[] x, int xOff, Rows w, float[] y, int yOff, int j0, int j1, int k, boolean acc) {
    float[] lanes = LANES.get();
    int kv = k - k % L;
    // a small product is read from cache, where pairs only add work: one row at a time
    int half = (long) w.n() * k < SMALL ? 0 : (j1 - j0) / 2;
    int mid = j1 - half;
    for (int i = 0; i < half; i++) {
      int ja = j0 + i;
      int jb = mid + i;
      if (w.f32() != null) {
        int a = (int) w.off() + ja * k;
        int b = (int) w.off() + jb * k;
        int p = RowDot.dot2(x, xOff, w.f32(), a, b, kv, lanes);
        if (p < kv) {
          RowDot.rest2(x, xOff, w.f32(), a, b, p, kv, lanes);
        }
      } else if (w.bf16() != null) {
        int a = (int) w.off() + ja * k;
        int b = (int) w.off() + jb * k;
        int p = RowDot.dot2(x, xOff, w.bf16(), a, b, kv, lanes);
        if (p < kv) {
          RowDot.rest2(x, xOff, w.bf16(), a, b, p, kv, lanes);
        }
      } else {
        long a = w.off() + (long) ja * k;
        long b = w.off() + (long) jb * k;
        int p = RowDot.dot2(x, xOff, w.seg(), a, b, kv, lanes);
        if (p < kv) {
          RowDot.rest2(x, xOff, w.seg(), a, b, p, kv, lanes);
        }
      }
      finish(x, xOff, w, lanes, 0, y, yOff, ja, k, kv, acc);
      finish(x, xOff, w, lanes, 4 * L, y, yOff, jb, k, kv, acc);
    }
    int j = j0 + half;
    if (half == 0 && SixteenDots.AVAILABLE) {
      // a small product: sixteen rows' vectors, then their sums together (the same bits)
      for (; j + 16 <= mid; j += 16) {
        for (int r = 0; r < 16; r++) {
          dot(x, xOff, w, j + r, k, kv, lanes, r * L);
        }
        SixteenDots.sums(lanes, y, yOff + j, acc);
      }
    }
    for (; j < mid; j++) {
      dot(x, xOff, w, j, k, kv, lanes, 0);
      store(lanes, 0, y, yOff, j, acc);
    }
  }

  /** Row j's vector into {@code lanes[to .. to+L)}: its whole chunks of k, then the masked tail. */
  private static void dot(
      float[] x, int xOff, Rows w, int j, int k, int kv, float[] lanes, int to) {
    if (w.f32() != null) {
      RowDot.dot(x, xOff, w.f32(), (int) w.off() + j * k, kv, lanes, to);
    } else if (w.bf16() != null) {
      RowDot.dot(x, xOff, w.bf16(), (int) w.off() + j * k, kv, lanes, to);
    } else {
      RowDot.dot(x, xOff, w.seg(), w.off() + (long) j * k, kv, lanes, to);
    }
    addTail(x, xOff, w, lanes, to, j, k, kv);
  }

  /** Row j's sum from {@code lanes[at .. at+L)}: adds the masked tail of k, reduces, stores. */
  private static void finish(
      float[] x,
      int xOff,
      Rows w,
      float[] lanes,
      int at,
      float[] y,
      int yOff,
      int j,
      int k,
      int kv,
      boolean acc) {
    addTail(x, xOff, w, lanes, at, j, k, kv);
    store(lanes, at, y, yOff, j, acc);
  }

  /** Adds row j's last {@code k - kv} products (one masked FMA) to {@code lanes[at .. at+L)}. */
  private static void addTail(
      float[] x, int xOff, Rows w, float[] lanes, int at, int j, int k, int kv) {
    if (kv < k) {
      FloatVector sum = FloatVector.fromArray(F, lanes, at);
      sum = tail(w, (long) j * k + kv, k - kv).fma(tailX(x, xOff + kv, k - kv), sum);
      sum.intoArray(lanes, at);
    }
  }

  /** y[j] (+)= the lanes at {@code lanes[at .. at+L)} reduced. */
  private static void store(float[] lanes, int at, float[] y, int yOff, int j, boolean acc) {
    float v = reduce(lanes, at);
    y[yOff + j] = acc ? y[yOff + j] + v : v;
  }

  /**
   * Sum of a vector's lanes by halving (lane i + lane i xor h for h = L/2, …, 1): a fixed pairwise
   * tree of element-wise adds and permutations, so the same bits on every path. Callers add a row's
   * two accumulators first.
   */
  public static float reduce(FloatVector v) {
    if (L >= 32) {
      v = v.add(v.rearrange(SWAP16));
    }
    if (L >= 16) {
      v = v.add(v.rearrange(SWAP8));
    }
    if (L >= 8) {
      v = v.add(v.rearrange(SWAP4));
    }
    if (L >= 4) {
      v = v.add(v.rearrange(SWAP2));
    }
    if (L >= 2) {
      v = v.add(v.rearrange(SWAP1));
    }
    return v.lane(0);
  }

  /**
   * {@link #reduce(FloatVector)} of the vector at {@code lanes[off .. off+L)}, the same bits: for
   * callers whose vector lives in an array. The tree is written out here rather than passed to
   * {@link #reduce(FloatVector)}, so that no vector crosses a call at any depth: a compiled batched
   * decode step that left such a call un-inlined allocated a boxed vector per score.
   */
  public static float reduce(float[] lanes, int off) {
    FloatVector v = FloatVector.fromArray(F, lanes, off);
    if (L >= 32) {
      v = v.add(v.rearrange(SWAP16));
    }
    if (L >= 16) {
      v = v.add(v.rearrange(SWAP8));
    }
    if (L >= 8) {
      v = v.add(v.rearrange(SWAP4));
    }
    if (L >= 4) {
      v = v.add(v.rearrange(SWAP2));
    }
    if (L >= 2) {
      v = v.add(v.rearrange(SWAP1));
    }
    return v.lane(0);
  }

  private static final VectorShuffle<Float> SWAP16 = swap(16);
  private static final VectorShuffle<Float> SWAP8 = swap(8);
  private static final VectorShuffle<Float> SWAP4 = swap(4);
  private static final VectorShuffle<Float> SWAP2 = swap(2);
  private static final VectorShuffle<Float> SWAP1 = swap(1);

  /** Lane i takes lane i xor h (identity when the vector has no lane that far away). */
  private static VectorShuffle<Float> swap(int h) {
    return VectorShuffle.fromOp(F, lane -> h < L ? lane ^ h : lane);
  }

  /** The last {@code n < L} values of x from {@code at}, zero in the other lanes. */
  private static FloatVector tailX(float[] x, int at, int n) {
    return FloatVector.fromArray(F, x, at, F.indexInRange(0, n));
  }

  /** The last {@code n < L} weights of a row from element {@code i}, zero in the other lanes. */
  private static FloatVector tail(Rows w, long i, int n) {
    if (w.f32() != null) {
      return FloatVector.fromArray(F, w.f32(), (int) (w.off() + i), F.indexInRange(0, n));
    }
    if (w.bf16() != null) {
      return widen(ShortVector.fromArray(H, w.bf16(), (int) (w.off() + i), H.indexInRange(0, n)));
    }
    return widen(
        ShortVector.fromMemorySegment(
            H, w.seg(), 2 * (w.off() + i), ByteOrder.LITTLE_ENDIAN, H.indexInRange(0, n)));
  }

  /** bf16 → f32 in registers: sign-extend to int, shift into the high half, reinterpret. */
  /** The vector of {@link #L} bf16 values at {@code h[at ..]}, widened to f32 (exact). */
  public static FloatVector widen(short[] h, int at) {
    return widen(ShortVector.fromArray(H, h, at));
  }

  static FloatVector widen(ShortVector h) {
    return ((IntVector) h.convertShape(VectorOperators.S2I, I, 0))
        .lanewise(VectorOperators.LSHL, 16)
        .reinterpretAsFloats();
  }

  /** y[n] (+)= x[k] · B[k,n]: one row of A times B (the backward layouts when m == 1). */
  public static void mulNN(
      ComputePool pool,
      float[] x,
      int xOff,
      float[] b,
      int bOff,
      float[] y,
      int yOff,
      int n,
      int k,
      boolean accumulate) {
    int cols = Math.max(4 * L, ceilTo(ceilDiv(n, pool.threads() * 4), L));
    if ((long) n * k < 1 << 15) {
      cols = n;
    }
    int perTask = cols;
    pool.parallelFor(
        ceilDiv(n, perTask),
        (t, worker) -> {
          int j0 = t * perTask;
          axpyRows(x, xOff, b, bOff, y, yOff, j0, Math.min(n, j0 + perTask), n, k, accumulate);
        });
  }

  /**
   * y[n] += x[k] · B[k,n] on the calling thread (B from its element 0), each output one FMA chain
   * in order of k: for a few rows of B, e.g. a LoRA adapter's Bᵀ (r, out) in a decode step.
   */
  public static void axpy(float[] x, int xOff, float[] b, float[] y, int yOff, int n, int k) {
    if (xOff < 0
        || (long) xOff + k > x.length
        || (long) n * k > b.length
        || yOff < 0
        || (long) yOff + n > y.length) {
      throw new IndexOutOfBoundsException(
          "axpy: x of "
              + x.length
              + " from "
              + xOff
              + ", B of "
              + b.length
              + ", y of "
              + y.length
              + " from "
              + yOff
              + " for n="
              + n
              + " k="
              + k);
    }
    axpyRows(x, xOff, b, 0, y, yOff, 0, n, n, k, true);
  }

  /** y[j0..j1) (+)= Σ_p x[p] · B[p, j0..j1): each output one FMA chain in order of p. */
  private static void axpyRows(
      float[] x,
      int xOff,
      float[] b,
      int bOff,
      float[] y,
      int yOff,
      int j0,
      int j1,
      int n,
      int k,
      boolean acc) {
    int j = j0;
    for (; j + L <= j1; j += L) {
      FloatVector s = acc ? FloatVector.fromArray(F, y, yOff + j) : FloatVector.zero(F);
      for (int p = 0; p < k; p++) {
        s =
            FloatVector.fromArray(F, b, bOff + p * n + j)
                .fma(FloatVector.broadcast(F, x[xOff + p]), s);
      }
      s.intoArray(y, yOff + j);
    }
    for (; j < j1; j++) {
      float s = acc ? y[yOff + j] : 0f;
      for (int p = 0; p < k; p++) {
        s = Math.fma(b[bOff + p * n + j], x[xOff + p], s);
      }
      y[yOff + j] = s;
    }
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static int ceilTo(int a, int multiple) {
    return ceilDiv(a, multiple) * multiple;
  }
}
