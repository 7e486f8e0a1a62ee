package dev.lathe.bench;

import com.sun.management.ThreadMXBean;
import dev.lathe.transformer.BatchDecoder;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What a warm batched decode step allocates on a real model's shape (the allocation tests use small
 * models): the SmolLM2-135M shape with random weights, {@code --rows} sequences decoded together by
 * one {@link BatchDecoder}, rounds of 40 steps; prints each fifth round's step time and the bytes
 * the calling thread and the compute pool's workers allocated over it. Whether C2 keeps every
 * Vector API operation intrinsic depends on its inlining decisions, which vary from run to run, so
 * run it several times.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dlathe.threads=2 -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.StepAllocation [--rows 8] [--dtype bf16] [--rounds 30]
 * </pre>
 */
public final class StepAllocation {
  private StepAllocation() {}

  private static final int STEPS = 40;

  public static void main(String[] args) {
    int rows = 8;
    int rounds = 30;
    DType dtype = DType.BF16;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rows" -> rows = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--dtype" -> dtype = DType.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    LlamaConfig c = RandomLlamaCheckpoint.config("smol135");
    LlamaModel m = new LlamaModel(c, RandomLlamaCheckpoint.weights(c, 1), dtype);
    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    BatchDecoder decoder = new BatchDecoder();
    LanguageModel[] models = new LanguageModel[rows];
    KvCache[] caches = new KvCache[rows];
    int[] tokens = new int[rows];
    float[][] logits = new float[rows][m.vocabularySize()];
    for (int i = 0; i < rows; i++) {
      models[i] = m;
      caches[i] = m.newCache(STEPS + 1);
      tokens[i] = 2 + i;
    }
    for (int round = 0; round < rounds; round++) {
      for (KvCache cache : caches) {
        cache.truncate(0);
      }
      decoder.step(models, caches, tokens, logits, rows);
      long[] ids =
          Stream.concat(
                  Stream.of(Thread.currentThread()),
                  Thread.getAllStackTraces().keySet().stream()
                      .filter(t -> t.getName().startsWith("lathe-compute-")))
              .mapToLong(Thread::threadId)
              .toArray();
      long before = allocated(mx, ids);
      long t0 = System.nanoTime();
      for (int s = 1; s < STEPS; s++) {
        decoder.step(models, caches, tokens, logits, rows);
      }
      long nanos = System.nanoTime() - t0;
      long bytes = allocated(mx, ids) - before;
      if (round % 5 == 4) {
        System.out.printf(
            Locale.ROOT,
            "round %d: %.2f ms/step, %d bytes allocated over %d steps of %d rows%n",
            round,
            nanos / 1e6 / (STEPS - 1),
            bytes,
            STEPS - 1,
            rows);
      }
    }
  }

  private static long allocated(ThreadMXBean mx, long[] ids) {
    long sum = 0;
    for (long id : ids) {
      sum += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return sum;
  }
}
