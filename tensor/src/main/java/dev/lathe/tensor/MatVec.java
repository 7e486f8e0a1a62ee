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
 * computed the same way whichever thread runs it and whichever neighbours share its group: two
 * vector accumulators over alternate k chunks (the last k % L values, masked, into the second),
 * added and reduced by a fixed pairwise tree ({@link #reduce}). Results therefore do not depend on
 * the thread count. {@link FusedMatVec} runs up to three products on one input in one parallel
 * loop, each output computed as here.
 */
public final class MatVec {
  private MatVec() {}

  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static final int L = F.length();
  static final VectorSpecies<Short> H =
      VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
  static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

  /** Rows of W per dot-product group (independent FMA chains in flight). */
  private static final int GROUP = 4;

  /** Fewest rows per parallel task. */
  private static final int MIN_ROWS_PER_TASK = 32;

  /** Where in the lanes scratch a group's four unreduced row sums (L floats each) go. */
  private static final int SUMS = GROUP + 1 + L;

  private static final ThreadLocal<float[]> LANES =
      ThreadLocal.withInitial(() -> new float[SUMS + GROUP * L]);

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
    private int rowsPerTask;
    private boolean acc;

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
      int j0 = task * rowsPerTask;
      rows(x, xOff, this, y, yOff, j0, Math.min(n, j0 + rowsPerTask), k, acc);
    }
  }

  private static final ThreadLocal<Rows> ROWS = ThreadLocal.withInitial(Rows::new);

  /** Points {@code r} at one product's operands (exactly one of the weight sources non-null). */
  static void set(
      Rows r,
      float[] f32,
      short[] bf16,
      float[] x,
      int xOff,
      float[] y,
      int n,
      int k,
      int rowsPerTask) {
    r.f32 = f32;
    r.bf16 = bf16;
    r.seg = null;
    r.off = 0;
    r.x = x;
    r.xOff = xOff;
    r.y = y;
    r.yOff = 0;
    r.n = n;
    r.k = k;
    r.rowsPerTask = rowsPerTask;
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

  /** Rows per parallel task for {@code n} rows of {@code k} values on {@code threads} threads. */
  static int rowsPerTask(int threads, int n, int k) {
    return (long) n * k < 1 << 15
        ? n
        : Math.max(MIN_ROWS_PER_TASK, ceilTo(ceilDiv(n, threads * 4), GROUP));
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
    int perTask = rowsPerTask(pool.threads(), n, k);
    w.x = x;
    w.xOff = xOff;
    w.y = y;
    w.yOff = yOff;
    w.n = n;
    w.k = k;
    w.rowsPerTask = perTask;
    w.acc = accumulate;
    try {
      pool.parallelFor(ceilDiv(n, perTask), w);
    } finally {
      clear(w);
    }
  }

  private static void rows(
      float[] x, int xOff, Rows w, float[] y, int yOff, int j0, int j1, int k, boolean acc) {
    float[] lanes = LANES.get();
    int j = j0;
    for (; j + GROUP <= j1; j += GROUP) {
      if (w.f32() != null) {
        dot4(x, xOff, w.f32(), (int) w.off() + j * k, k, lanes);
      } else if (w.bf16() != null) {
        dot4(x, xOff, w.bf16(), (int) w.off() + j * k, k, lanes);
      } else {
        dot4(x, xOff, w.seg(), w.off() + (long) j * k, k, lanes);
      }
      reduceSums(x, xOff, w, j, k, lanes);
      for (int r = 0; r < GROUP; r++) {
        store(y, yOff + j + r, lanes[r], acc);
      }
    }
    for (; j < j1; j++) {
      store(y, yOff + j, dot1(x, xOff, w, j, k, lanes), acc);
    }
  }

  /**
   * lanes[r] = row r's sum, for the four rows of a group: its two accumulators added (unreduced at
   * lanes[SUMS + rL]), the masked tail products added to that as {@link #dot1} does, then reduced
   * by the fixed tree.
   */
  private static void reduceSums(float[] x, int xOff, Rows w, int j, int k, float[] lanes) {
    int kv = k - k % L;
    for (int r = 0; r < GROUP; r++) {
      FloatVector sum = FloatVector.fromArray(F, lanes, SUMS + r * L);
      if (kv < k) {
        sum = tail(w, (long) (j + r) * k + kv, k - kv).fma(tailX(x, xOff + kv, k - kv), sum);
      }
      lanes[r] = reduce(sum);
    }
  }

  private static void store(float[] y, int at, float v, boolean acc) {
    y[at] = acc ? y[at] + v : v;
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

  private static final VectorShuffle<Float> SWAP16 = swap(16);
  private static final VectorShuffle<Float> SWAP8 = swap(8);
  private static final VectorShuffle<Float> SWAP4 = swap(4);
  private static final VectorShuffle<Float> SWAP2 = swap(2);
  private static final VectorShuffle<Float> SWAP1 = swap(1);

  /** Lane i takes lane i xor h (identity when the vector has no lane that far away). */
  private static VectorShuffle<Float> swap(int h) {
    return VectorShuffle.fromOp(F, lane -> h < L ? lane ^ h : lane);
  }

  /** One row, same arithmetic as a row of a group. */
  private static float dot1(float[] x, int xOff, Rows w, int row, int k, float[] lanes) {
    FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
    int kv = k - k % L;
    for (int p = 0, v = 0; p < kv; p += L, v++) {
      FloatVector xv = FloatVector.fromArray(F, x, xOff + p);
      FloatVector wv = load(w, (long) row * k + p);
      if ((v & 1) == 0) {
        a0 = wv.fma(xv, a0);
      } else {
        a1 = wv.fma(xv, a1);
      }
    }
    FloatVector sum = a0.add(a1);
    if (kv < k) {
      sum = tail(w, (long) row * k + kv, k - kv).fma(tailX(x, xOff + kv, k - kv), sum);
    }
    return reduce(sum);
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

  private static FloatVector load(Rows w, long i) {
    if (w.f32() != null) {
      return FloatVector.fromArray(F, w.f32(), (int) (w.off() + i));
    }
    if (w.bf16() != null) {
      return widen(ShortVector.fromArray(H, w.bf16(), (int) (w.off() + i)));
    }
    return widen(
        ShortVector.fromMemorySegment(H, w.seg(), 2 * (w.off() + i), ByteOrder.LITTLE_ENDIAN));
  }

  /** bf16 → f32 in registers: sign-extend to int, shift into the high half, reinterpret. */
  static FloatVector widen(ShortVector h) {
    return ((IntVector) h.convertShape(VectorOperators.S2I, I, 0))
        .lanewise(VectorOperators.LSHL, 16)
        .reinterpretAsFloats();
  }

  // Four rows at once; row r's sum of its two accumulators lands in lanes[SUMS + r * L], reduced
  // by reduceSums outside the kernel: reducing inside it once used up the JIT's inlining budget for
  // the bf16 kernels, whose last vector adds then ran (and allocated) on the Java fallback. The k
  // loop is unrolled by two so that accumulator 0 takes the even chunks and accumulator 1 the odd
  // ones, as in dot1.

  private static void dot4(float[] x, int xOff, float[] w, int wAt, int k, float[] lanes) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
    FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    int kv = k - k % L;
    int p = 0;
    for (; p + 2 * L <= kv; p += 2 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a00 = FloatVector.fromArray(F, w, wAt + p).fma(x0, a00);
      a01 = FloatVector.fromArray(F, w, wAt + p + L).fma(x1, a01);
      a10 = FloatVector.fromArray(F, w, wAt + k + p).fma(x0, a10);
      a11 = FloatVector.fromArray(F, w, wAt + k + p + L).fma(x1, a11);
      a20 = FloatVector.fromArray(F, w, wAt + 2 * k + p).fma(x0, a20);
      a21 = FloatVector.fromArray(F, w, wAt + 2 * k + p + L).fma(x1, a21);
      a30 = FloatVector.fromArray(F, w, wAt + 3 * k + p).fma(x0, a30);
      a31 = FloatVector.fromArray(F, w, wAt + 3 * k + p + L).fma(x1, a31);
    }
    if (p < kv) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      a00 = FloatVector.fromArray(F, w, wAt + p).fma(x0, a00);
      a10 = FloatVector.fromArray(F, w, wAt + k + p).fma(x0, a10);
      a20 = FloatVector.fromArray(F, w, wAt + 2 * k + p).fma(x0, a20);
      a30 = FloatVector.fromArray(F, w, wAt + 3 * k + p).fma(x0, a30);
    }
    a00.add(a01).intoArray(lanes, SUMS);
    a10.add(a11).intoArray(lanes, SUMS + L);
    a20.add(a21).intoArray(lanes, SUMS + 2 * L);
    a30.add(a31).intoArray(lanes, SUMS + 3 * L);
  }

  private static void dot4(float[] x, int xOff, short[] w, int wAt, int k, float[] lanes) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
    FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    int kv = k - k % L;
    int p = 0;
    for (; p + 2 * L <= kv; p += 2 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      a00 = widen(ShortVector.fromArray(H, w, wAt + p)).fma(x0, a00);
      a01 = widen(ShortVector.fromArray(H, w, wAt + p + L)).fma(x1, a01);
      a10 = widen(ShortVector.fromArray(H, w, wAt + k + p)).fma(x0, a10);
      a11 = widen(ShortVector.fromArray(H, w, wAt + k + p + L)).fma(x1, a11);
      a20 = widen(ShortVector.fromArray(H, w, wAt + 2 * k + p)).fma(x0, a20);
      a21 = widen(ShortVector.fromArray(H, w, wAt + 2 * k + p + L)).fma(x1, a21);
      a30 = widen(ShortVector.fromArray(H, w, wAt + 3 * k + p)).fma(x0, a30);
      a31 = widen(ShortVector.fromArray(H, w, wAt + 3 * k + p + L)).fma(x1, a31);
    }
    if (p < kv) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      a00 = widen(ShortVector.fromArray(H, w, wAt + p)).fma(x0, a00);
      a10 = widen(ShortVector.fromArray(H, w, wAt + k + p)).fma(x0, a10);
      a20 = widen(ShortVector.fromArray(H, w, wAt + 2 * k + p)).fma(x0, a20);
      a30 = widen(ShortVector.fromArray(H, w, wAt + 3 * k + p)).fma(x0, a30);
    }
    a00.add(a01).intoArray(lanes, SUMS);
    a10.add(a11).intoArray(lanes, SUMS + L);
    a20.add(a21).intoArray(lanes, SUMS + 2 * L);
    a30.add(a31).intoArray(lanes, SUMS + 3 * L);
  }

  private static void dot4(float[] x, int xOff, MemorySegment w, long wAt, int k, float[] lanes) {
    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
    FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    int kv = k - k % L;
    long r0 = 2 * wAt, r1 = r0 + 2L * k, r2 = r1 + 2L * k, r3 = r2 + 2L * k;
    int p = 0;
    for (; p + 2 * L <= kv; p += 2 * L) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      FloatVector x1 = FloatVector.fromArray(F, x, xOff + p + L);
      long b0 = 2L * p, b1 = 2L * (p + L);
      a00 = seg(w, r0 + b0).fma(x0, a00);
      a01 = seg(w, r0 + b1).fma(x1, a01);
      a10 = seg(w, r1 + b0).fma(x0, a10);
      a11 = seg(w, r1 + b1).fma(x1, a11);
      a20 = seg(w, r2 + b0).fma(x0, a20);
      a21 = seg(w, r2 + b1).fma(x1, a21);
      a30 = seg(w, r3 + b0).fma(x0, a30);
      a31 = seg(w, r3 + b1).fma(x1, a31);
    }
    if (p < kv) {
      FloatVector x0 = FloatVector.fromArray(F, x, xOff + p);
      long b0 = 2L * p;
      a00 = seg(w, r0 + b0).fma(x0, a00);
      a10 = seg(w, r1 + b0).fma(x0, a10);
      a20 = seg(w, r2 + b0).fma(x0, a20);
      a30 = seg(w, r3 + b0).fma(x0, a30);
    }
    a00.add(a01).intoArray(lanes, SUMS);
    a10.add(a11).intoArray(lanes, SUMS + L);
    a20.add(a21).intoArray(lanes, SUMS + 2 * L);
    a30.add(a31).intoArray(lanes, SUMS + 3 * L);
  }

  private static FloatVector seg(MemorySegment w, long byteAt) {
    return widen(ShortVector.fromMemorySegment(H, w, byteAt, ByteOrder.LITTLE_ENDIAN));
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
