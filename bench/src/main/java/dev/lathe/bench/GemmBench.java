package dev.lathe.bench;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GEMM time per call at the shapes of a SmolLM-135M training step and a large square, for each
 * layout. GFLOP/s = 2·M·N·K / time; {@code bench/gemm-vs-numpy.sh} turns the JMH JSON into GFLOP/s
 * next to numpy's.
 *
 * <p>Shapes are M×K×N: C[M,N] = A[M,K]·op(B). NT reads B as [N,K] (forward), NN as [K,N], TN reads
 * A as [K,M].
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBench {
  @Param({"NT", "NN", "TN"})
  public String layout;

  @Param({"512x576x576", "512x576x1536", "512x1536x576", "2048x2048x2048"})
  public String shape;

  @Param({"2"})
  public int threads;

  private ComputePool pool;
  private float[] a;
  private float[] b;
  private float[] c;
  private int m;
  private int k;
  private int n;

  @Setup(Level.Trial)
  public void setUp() {
    String[] s = shape.split("x");
    m = Integer.parseInt(s[0]);
    k = Integer.parseInt(s[1]);
    n = Integer.parseInt(s[2]);
    Random r = new Random(1);
    a = random(r, m * k);
    b = random(r, k * n);
    c = new float[m * n];
    pool = new ComputePool(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  static float[] random(Random r, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Benchmark
  public float[] gemm() {
    switch (layout) {
      case "NT" -> Gemm.mulNT(pool, a, 0, b, 0, c, 0, m, n, k, false);
      case "NN" -> Gemm.mulNN(pool, a, 0, b, 0, c, 0, m, n, k, false);
      case "TN" -> Gemm.mulTN(pool, a, 0, b, 0, c, 0, m, n, k, false);
      default -> throw new IllegalArgumentException("layout must be NT, NN or TN: " + layout);
    }
    return c;
  }
}
