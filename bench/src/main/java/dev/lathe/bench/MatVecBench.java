package dev.lathe.bench;

import dev.lathe.tensor.Bf16;
import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.MatVec;
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
 * Decode mat-vec y[N] = W[N,K]·x[K] with f32 or bf16 weights. Weight bandwidth in GB/s = N·K·(4 or
 * 2 bytes) / time. Shapes are N×K: 576×1536 (down projection), 1536×576 (gate/up), 49152×576 (LM
 * head of SmolLM-135M).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatVecBench {
  @Param({"f32", "bf16"})
  public String weights;

  @Param({"576x1536", "1536x576", "49152x576"})
  public String shape;

  @Param({"2"})
  public int threads;

  private ComputePool pool;
  private float[] x;
  private float[] w;
  private short[] wBf16;
  private float[] y;
  private int n;
  private int k;

  @Setup(Level.Trial)
  public void setUp() {
    String[] s = shape.split("x");
    n = Integer.parseInt(s[0]);
    k = Integer.parseInt(s[1]);
    Random r = new Random(2);
    x = GemmBench.random(r, k);
    w = GemmBench.random(r, n * k);
    wBf16 = Bf16.fromFloat(w);
    if (!weights.equals("f32")) {
      w = null;
    }
    y = new float[n];
    pool = new ComputePool(threads);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    pool.close();
  }

  @Benchmark
  public float[] matVec() {
    if (w != null) {
      MatVec.mulNT(pool, x, 0, w, 0, y, 0, n, k, false);
    } else {
      MatVec.mulNT(pool, x, 0, wBf16, 0, y, 0, n, k, false);
    }
    return y;
  }
}
