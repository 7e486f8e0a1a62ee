package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;
import dev.lathe.transformer.LoraModules;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A low-rank adapter beside one frozen projection: {@code out += scale · dropout(in) · Aᵀ · Bᵀ}.
 * Initialised as PEFT does: {@code A} Kaiming-uniform with a = √5 (uniform in ±1/√in), {@code B}
 * zero, so a new adapter leaves the model unchanged.
 *
 * <p>Forward saves the dropout mask (one bit per input element) and {@code scale · dropout(in) ·
 * Aᵀ}; backward needs those, the projection input and the output gradient. Buffers grow to the
 * largest row count seen and are reused.
 */
final class LoraAdapter {
  final Parameter a; // (r, in)
  final Parameter b; // (out, r)
  private final int in;
  private final int out;
  private final int rank;
  private final float scale;
  private final double dropout;
  private final ComputePool pool;

  private long[] dropped = new long[0]; // (N, words) bits: the last forward's dropout mask
  private final int words; // 64-bit words per mask row: rows start on a word, so rows are
  // written by different threads without sharing a word
  private float[] xs = new float[0]; // (N, r) = scale · dropout(in) · Aᵀ
  private float[] dxs = new float[0]; // (N, r) scratch
  private boolean masked; // whether the last forward applied dropout

  /**
   * (N, in) scratch for the dropped-out input, shared by every adapter a thread runs: it lives only
   * within one forward or backward call (a per-adapter buffer would cost N·in floats for each of a
   * model's hundreds of adapters).
   */
  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  LoraAdapter(
      ComputePool pool, String module, int in, int out, LoraConfig config, RandomGenerator random) {
    this.pool = pool;
    this.in = in;
    this.out = out;
    this.rank = config.rank();
    this.scale = config.scale();
    this.dropout = config.dropout();
    this.words = (in + 63) >>> 6;
    float[] av = new float[rank * in];
    double bound = 1 / Math.sqrt(in);
    for (int i = 0; i < av.length; i++) {
      av[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    this.a =
        new Parameter(LoraModules.loraA(module), new int[] {rank, in}, av, new float[av.length]);
    this.b =
        new Parameter(
            LoraModules.loraB(module),
            new int[] {out, rank},
            new float[out * rank],
            new float[out * rank]);
  }

  private void ensure(int n) {
    if (xs.length < n * rank) {
      xs = new float[n * rank];
      dxs = new float[n * rank];
    }
  }

  /** The thread's scratch, grown to (N, in). */
  private float[] scratch(int n) {
    float[] s = SCRATCH.get();
    if (s.length < n * in) {
      s = new float[n * in];
      SCRATCH.set(s);
    }
    return s;
  }

  /**
   * Draws the dropout mask of {@code n} rows from {@code seed}, one bit per element (set: dropped),
   * each row from its own stream so the rows can be drawn in parallel with the same result.
   */
  private void drawMask(int n, long seed) {
    if (dropped.length < n * words) {
      dropped = new long[n * words];
    }
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          for (int row = t * ROWS_PER_TASK; row < Math.min(n, (t + 1) * ROWS_PER_TASK); row++) {
            SplittableRandom r = new SplittableRandom(seed ^ (row * 0x9E3779B97F4A7C15L));
            int base = row * words;
            java.util.Arrays.fill(dropped, base, base + words, 0L);
            // two draws per 64-bit number: each half is uniform over 2^32 values
            long threshold = (long) Math.ceil(dropout * 0x1p32);
            long bits = 0;
            for (int j = 0; j < in; j++) {
              long u;
              if ((j & 1) == 0) {
                bits = r.nextLong();
                u = bits & 0xFFFFFFFFL;
              } else {
                u = bits >>> 32;
              }
              if (u < threshold) {
                dropped[base + (j >>> 6)] |= 1L << j;
              }
            }
          }
        });
  }

  private static final int ROWS_PER_TASK = 16;

  /** Sets {@code v[row·in + j]} to zero at every dropped j of the row (the set bits only). */
  private void zeroDropped(float[] v, int row) {
    for (int w = 0; w < words; w++) {
      long bits = dropped[row * words + w];
      while (bits != 0) {
        v[row * in + (w << 6) + Long.numberOfTrailingZeros(bits)] = 0f;
        bits &= bits - 1;
      }
    }
  }

  /** {@code out = x ⊙ mask}, the mask 0 (dropped) or 1/(1−p) per element. */
  private void applyMask(float[] out, float[] x, int n) {
    float keep = (float) (1 / (1 - dropout));
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          for (int row = t * ROWS_PER_TASK; row < Math.min(n, (t + 1) * ROWS_PER_TASK); row++) {
            for (int i = row * in; i < (row + 1) * in; i++) {
              out[i] = x[i] * keep;
            }
            zeroDropped(out, row);
          }
        });
  }

  /**
   * Adds the adapter's output. With {@code random} null (evaluation) no dropout is applied.
   *
   * <pre>
   * // y: (N, out) accumulated   x: (N, in)
   * </pre>
   */
  void forward(float[] y, float[] x, int n, RandomGenerator random) {
    masked = random != null && dropout > 0;
    if (masked) {
      drawMask(n, random.nextLong());
    }
    replay(y, x, n);
  }

  /**
   * Adds the adapter's output again as the last {@link #forward} did, with the same dropout mask
   * (for recomputing a projection in backward): the same bits, and no randomness drawn.
   *
   * <pre>
   * // y: (N, out) accumulated   x: (N, in), the input given to that forward
   * </pre>
   */
  void replay(float[] y, float[] x, int n) {
    ensure(n);
    float[] src = x;
    if (masked) {
      src = scratch(n);
      applyMask(src, x, n);
    }
    Gemm.mulNT(pool, src, 0, a.value(), 0, xs, 0, n, rank, in, false);
    for (int i = 0; i < n * rank; i++) {
      xs[i] *= scale;
    }
    Gemm.mulNT(pool, xs, 0, b.value(), 0, y, 0, n, out, rank, true);
  }

  /**
   * Accumulates the gradients of A and B and adds the adapter's share to {@code dx}.
   *
   * <pre>
   * // dx: (N, in) accumulated   dy: (N, out)   x: (N, in) the input given to forward
   * </pre>
   */
  void backward(float[] dx, float[] dy, float[] x, int n) {
    // dB: (out, r) += dyᵀ · xs
    Gemm.mulTN(pool, dy, 0, xs, 0, b.grad(), 0, out, rank, n, true);
    // dxs: (N, r) = scale · dy · B
    Gemm.mulNN(pool, dy, 0, b.value(), 0, dxs, 0, n, rank, out, false);
    for (int i = 0; i < n * rank; i++) {
      dxs[i] *= scale;
    }
    float[] src = x;
    if (masked) {
      src = scratch(n);
      applyMask(src, x, n);
    }
    // dA: (r, in) += dxsᵀ · dropout(x)
    Gemm.mulTN(pool, dxs, 0, src, 0, a.grad(), 0, rank, in, n, true);
    if (dx == null) {
      return;
    }
    if (masked) {
      // d dropout(x): (N, in) = dxs · A, then through the mask
      float[] d = scratch(n);
      Gemm.mulNN(pool, dxs, 0, a.value(), 0, d, 0, n, in, rank, false);
      float keep = (float) (1 / (1 - dropout));
      pool.parallelFor(
          (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
          (t, w) -> {
            for (int row = t * ROWS_PER_TASK; row < Math.min(n, (t + 1) * ROWS_PER_TASK); row++) {
              zeroDropped(d, row);
              for (int i = row * in; i < (row + 1) * in; i++) {
                dx[i] += d[i] * keep;
              }
            }
          });
    } else {
      Gemm.mulNN(pool, dxs, 0, a.value(), 0, dx, 0, n, in, rank, true);
    }
  }

  /** Adds {@code scale · B · A} to {@code w} (out, in): the merged weight. */
  void mergeInto(float[] w) {
    float[] ba = new float[out * in];
    Gemm.mulNN(pool, b.value(), 0, a.value(), 0, ba, 0, out, in, rank, false);
    for (int i = 0; i < ba.length; i++) {
      w[i] += scale * ba[i];
    }
  }
}
