package dev.lathe.bench;

import dev.lathe.tensor.BatchMatVec;
import dev.lathe.tensor.ComputePool;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Why a batched decode step of 8 rows costs more than twice a step of 1: the product the batched
 * step runs ({@link BatchMatVec#mulNT}, bf16 weights), timed for 1 and 8 input rows on a weight
 * matrix that stays in the core's cache and on one that must come from memory (the classifier of
 * the SmolLM2-135M shape), on 1 and 2 threads.
 *
 * <p>For each thread count it prints the medians and one prediction: if the reads from memory and
 * the arithmetic did not overlap at all, 8 rows from memory would take the time of 1 row from
 * memory (the reads) plus 8 rows from cache scaled to the big matrix (the arithmetic). A measured
 * time near that sum, rather than near the larger of the two, means the core computes and waits for
 * memory in turn.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.BatchOverlap [--repeat 9]
 * </pre>
 */
public final class BatchOverlap {
  private BatchOverlap() {}

  private static final int K = 576;
  private static final int CACHED_ROWS = 384; // 442 KB of bf16: inside a 1 MB L2
  private static final int MEMORY_ROWS = 49_152; // 57 MB: past any cache

  public static void main(String[] args) {
    int repeat = 9;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Random r = new Random(7);
    short[] cached = randomBf16(r, CACHED_ROWS * K);
    short[] memory = randomBf16(r, MEMORY_ROWS * K);
    float[] x = new float[8 * K];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    float[] y = new float[8 * MEMORY_ROWS];
    System.out.printf(
        Locale.ROOT,
        "bf16 weights, K=%d; cache: %d rows (%d KB), memory: %d rows (%d MB); median of %d%n",
        K,
        CACHED_ROWS,
        CACHED_ROWS * K * 2 / 1024,
        MEMORY_ROWS,
        (long) MEMORY_ROWS * K * 2 / (1024 * 1024),
        repeat);
    for (int threads = 1; threads <= 2; threads++) {
      try (ComputePool pool = new ComputePool(threads)) {
        for (int i = 0; i < 400; i++) { // compile the kernels before timing anything
          BatchMatVec.mulNT(pool, x, 0, cached, y, 0, 1 + 7 * (i % 2), CACHED_ROWS, K);
        }
        double memory1 = median(pool, x, memory, y, 1, MEMORY_ROWS, repeat);
        double memory8 = median(pool, x, memory, y, 8, MEMORY_ROWS, repeat);
        double cache8 = median(pool, x, cached, y, 8, CACHED_ROWS, repeat * 40);
        double cache8Scaled = cache8 * MEMORY_ROWS / CACHED_ROWS;
        double bytes = 2.0 * MEMORY_ROWS * K;
        double flops8 = 2.0 * 8 * MEMORY_ROWS * K;
        System.out.printf(
            Locale.ROOT,
            "threads %d: 1 row from memory %.3f ms (%.1f GB/s); 8 rows from cache %.1f GFLOP/s"
                + " (%.3f ms scaled); 8 rows from memory %.3f ms (%.1f GFLOP/s, %.2fx 1 row)%n",
            threads,
            memory1 * 1e3,
            bytes / memory1 / 1e9,
            2.0 * 8 * CACHED_ROWS * K / cache8 / 1e9,
            cache8Scaled * 1e3,
            memory8 * 1e3,
            flops8 / memory8 / 1e9,
            memory8 / memory1);
        System.out.printf(
            Locale.ROOT,
            "  no overlap predicts %.3f ms, full overlap %.3f ms: measured %.3f ms%n",
            (memory1 + cache8Scaled) * 1e3,
            Math.max(memory1, cache8Scaled) * 1e3,
            memory8 * 1e3);
      }
    }
  }

  private static short[] randomBf16(Random r, int n) {
    short[] w = new short[n];
    for (int i = 0; i < n; i++) {
      w[i] = (short) (Float.floatToRawIntBits((float) r.nextGaussian() * 0.05f) >>> 16);
    }
    return w;
  }

  /** Median seconds of one product, after warm-up. */
  private static double median(
      ComputePool pool, float[] x, short[] w, float[] y, int m, int n, int repeat) {
    for (int i = 0; i < 5; i++) {
      BatchMatVec.mulNT(pool, x, 0, w, y, 0, m, n, K);
    }
    double[] t = new double[repeat];
    for (int i = 0; i < repeat; i++) {
      long t0 = System.nanoTime();
      BatchMatVec.mulNT(pool, x, 0, w, y, 0, m, n, K);
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    Arrays.sort(t);
    return t[repeat / 2];
  }
}
