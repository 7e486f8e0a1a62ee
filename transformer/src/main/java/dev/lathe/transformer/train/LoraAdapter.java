package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.DropoutBits;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.LowRank;
import dev.lathe.transformer.LoraModules;
import java.util.random.RandomGenerator;

/**
 * A low-rank adapter beside one frozen projection: {@code out += scale · dropout(in) · Aᵀ · Bᵀ}.
 * Initialised as PEFT does: {@code A} Kaiming-uniform with a = √5 (uniform in ±1/√in), {@code B}
 * zero, so a new adapter leaves the model unchanged.
 *
 * <p>Forward saves the dropout mask (one bit per input element) and {@code scale · dropout(in) ·
 * Aᵀ}; backward needs those, the projection input and the output gradient. The mask is applied in
 * registers as the input is read ({@link LowRank}): no dropped-out copy of the input is made.
 * Buffers grow to the largest row count seen and are reused.
 */
final class LoraAdapter {
  final Parameter a; // (r, in)
  final Parameter b; // (out, r)
  private final int in;
  private final int out;
  private final int rank;
  private final float scale;
  private final double dropout;
  private final float keep; // 1 / (1 − dropout): the scale of a kept input element
  private final int threshold; // dropout as a 16-bit threshold (DropoutBits)
  private final ComputePool pool;

  private long[] dropped = new long[0]; // (N, words) bits: the last forward's dropout mask
  private final int words; // 64-bit words per mask row: rows start on a word, so rows are
  // written by different threads without sharing a word
  private float[] xs = new float[0]; // (N, r) = scale · dropout(in) · Aᵀ
  private float[] dxs = new float[0]; // (N, r) scratch
  private boolean masked; // whether the last forward applied dropout

  LoraAdapter(
      ComputePool pool, String module, int in, int out, LoraConfig config, RandomGenerator random) {
    this.pool = pool;
    this.in = in;
    this.out = out;
    this.rank = config.rank();
    this.scale = config.scale();
    this.dropout = config.dropout();
    this.words = LowRank.words(in);
    this.keep = (float) (1 / (1 - dropout));
    this.threshold = DropoutBits.threshold(dropout);
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

  /**
   * Draws the dropout mask of {@code n} rows from {@code seed}, one bit per element (set: dropped),
   * counter-based ({@link DropoutBits}): each row is drawn on its own, in parallel, with the same
   * bits for any thread count.
   */
  private void drawMask(int n, long seed) {
    if (dropped.length < n * words) {
      dropped = new long[n * words];
    }
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          for (int row = t * ROWS_PER_TASK; row < Math.min(n, (t + 1) * ROWS_PER_TASK); row++) {
            DropoutBits.row(seed, row, in, threshold, dropped, row * words);
          }
        });
  }

  private static final int ROWS_PER_TASK = 16;

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
    // xs: (N, r) = scale · dropout(x) · Aᵀ, the mask applied in registers as x is read
    LowRank.project(pool, x, masked ? dropped : null, keep, a.value(), xs, scale, n, in, rank);
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
    // dB: (out, r) += dyᵀ · xs, and dxs: (N, r) = scale · dy · B, each one pass over dy in place
    LowRank.accumulateB(pool, dy, xs, b.grad(), n, out, rank);
    LowRank.projectThrough(pool, dy, b.value(), dxs, scale, n, out, rank);
    long[] mask = masked ? dropped : null;
    // dA: (r, in) += dxsᵀ · dropout(x)
    LowRank.accumulateA(pool, dxs, x, mask, keep, a.grad(), n, in, rank);
    if (dx != null) {
      // dx: (N, in) += (dxs · A) through the mask
      LowRank.inputGradient(pool, dxs, a.value(), mask, keep, dx, n, in, rank);
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
