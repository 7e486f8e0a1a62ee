package dev.lathe.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Streaming read bandwidth of this machine: T threads each sum their own part of one large float
 * array (far larger than the caches) with vector adds; bandwidth = bytes read / wall time of a pass
 * (all threads), best and median over the passes after a warm-up. {@link DecodeThroughput} runs the
 * same probe between its timed rounds, since a VM's bandwidth moves from minute to minute.
 *
 * <p>usage: {@code ReadBandwidth [--mb 1024] [--threads 2] [--passes 9]}
 */
public final class ReadBandwidth {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** One probe: best and median GB/s over its passes, and a checksum of the sums. */
  record Result(double bestGbs, double medianGbs, float checksum) {}

  private final float[] data;
  private final int threads;

  /** A probe over {@code mb} megabytes (filled with ones, so every page is touched once). */
  ReadBandwidth(int mb, int threads) {
    this.data = new float[mb / 4 * 1024 * 1024];
    this.threads = threads;
    Arrays.fill(data, 1f);
  }

  public static void main(String[] args) throws Exception {
    int mb = 1024;
    int threads = 2;
    int passes = 9;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--passes" -> passes = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + " (--mb --threads --passes)");
      }
    }
    ReadBandwidth probe = new ReadBandwidth(mb, threads);
    Result r = probe.measure(passes);
    System.out.printf(
        Locale.ROOT,
        "read bandwidth %.1f GB/s best, %.1f GB/s median  [%d threads, %.0f MB, %d passes,"
            + " checksum %.0f]%n",
        r.bestGbs(),
        r.medianGbs(),
        threads,
        probe.bytes() / 1e6,
        passes,
        r.checksum());
  }

  /** Bytes one pass reads. */
  double bytes() {
    return 4.0 * part() * threads;
  }

  private int part() {
    return data.length / threads / S.length() * S.length();
  }

  /** One warm-up pass, then {@code passes} timed passes on fresh threads. */
  Result measure(int passes) throws Exception {
    int part = part();
    double[] seconds = new double[passes];
    float[] sums = new float[threads];
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    CyclicBarrier end = new CyclicBarrier(threads + 1);
    final int rounds = passes + 1; // the first is a warm-up
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int from = t * part;
      int id = t;
      workers[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int r = 0; r < rounds; r++) {
                        start.await();
                        sums[id] += sum(data, from, from + part);
                        end.await();
                      }
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
    }
    for (int r = 0; r < rounds; r++) {
      start.await();
      long t0 = System.nanoTime();
      end.await();
      if (r > 0) {
        seconds[r - 1] = (System.nanoTime() - t0) / 1e9;
      }
    }
    for (Thread w : workers) {
      w.join();
    }
    Arrays.sort(seconds);
    return new Result(bytes() / seconds[0] / 1e9, bytes() / seconds[passes / 2] / 1e9, sums[0]);
  }

  /** Sum of {@code a[from, to)}; four independent accumulators keep loads in flight. */
  static float sum(float[] a, int from, int to) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int step = S.length();
    int i = from;
    for (; i + 4 * step <= to; i += 4 * step) {
      s0 = s0.add(FloatVector.fromArray(S, a, i));
      s1 = s1.add(FloatVector.fromArray(S, a, i + step));
      s2 = s2.add(FloatVector.fromArray(S, a, i + 2 * step));
      s3 = s3.add(FloatVector.fromArray(S, a, i + 3 * step));
    }
    float s = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) {
      s += a[i];
    }
    return s;
  }
}
