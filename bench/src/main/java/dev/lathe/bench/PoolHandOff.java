package dev.lathe.bench;

import dev.lathe.tensor.ComputePool;
import java.util.Arrays;
import java.util.Locale;

/**
 * What one parallel loop costs the compute pool when its tasks do nothing: the hand-off to the
 * workers and the wait for them, the floor under every mat-vec of a decode step. A decode step of
 * the SmolLM2-135M shape runs five loops per layer and one for the classifier (151 in all), so this
 * time × 151 bounds what running a layer in one hand-off could save per token.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.PoolHandOff [--threads 2] [--loops 200000]
 * </pre>
 */
public final class PoolHandOff {
  private PoolHandOff() {}

  public static void main(String[] args) {
    int threads = 2;
    int loops = 200_000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--loops" -> loops = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    long[] ran = new long[threads];
    ComputePool.Body body = (task, worker) -> ran[worker]++;
    try (ComputePool pool = new ComputePool(threads)) {
      for (int tasks : new int[] {threads, 16}) {
        double[] perLoop = new double[7];
        Arrays.fill(ran, 0);
        for (int round = 0; round < perLoop.length; round++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < loops; i++) {
            pool.parallelFor(tasks, body);
          }
          perLoop[round] = (System.nanoTime() - t0) / (double) loops;
        }
        Arrays.sort(perLoop);
        long total = Arrays.stream(ran).sum();
        System.out.printf(
            Locale.ROOT,
            "%d threads, %d empty tasks per loop: %.0f ns per loop (median of %d rounds of %d;"
                + " min %.0f, max %.0f); the workers ran %.0f%% of the tasks%n",
            threads,
            tasks,
            perLoop[perLoop.length / 2],
            perLoop.length,
            loops,
            perLoop[0],
            perLoop[perLoop.length - 1],
            100.0 * (total - ran[0]) / total);
      }
    }
  }
}
