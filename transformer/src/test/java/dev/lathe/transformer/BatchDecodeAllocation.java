package dev.lathe.transformer;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The child JVM of {@link BatchDecodeAllocationTest}: for each dtype named in its arguments,
 * decodes a batch of eight sequences (half on the base, half on a LoRA fine-tune of it) with one
 * {@link BatchDecoder}, round after round of {@link #ROUND_STEPS} steps until one round allocates
 * nothing (or {@link #MAX_ROUNDS} pass), and prints the least bytes one round allocated.
 */
final class BatchDecodeAllocation {
  static final int ROUND_STEPS = 40;
  static final int MAX_ROUNDS = 400;
  static final int ROWS = 8;

  public static void main(String[] args) {
    for (String name : args) {
      boolean smol = name.endsWith("_SMOL");
      LlamaModel base =
          DecodeAllocation.model(
              smol ? DecodeAllocation.SMOL_LAYERS : DecodeAllocation.MEDIUM,
              4,
              smol ? name.substring(0, name.length() - "_SMOL".length()) : name);
      System.out.println(name + " " + measure(base));
    }
  }

  static long measure(LlamaModel base) {
    LanguageModel tuned = base.withAdapters(BatchDecoderTest.adapters(base.config(), 4, 9));
    LanguageModel[] models = new LanguageModel[ROWS];
    KvCache[] caches = new KvCache[ROWS];
    int[] tokens = new int[ROWS];
    float[][] logits = new float[ROWS][base.vocabularySize()];
    for (int i = 0; i < ROWS; i++) {
      models[i] = i % 2 == 0 ? base : tuned;
      caches[i] = models[i].newCache(ROUND_STEPS);
      tokens[i] = 1 + i;
    }
    BatchDecoder decoder = new BatchDecoder();
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < MAX_ROUNDS && least > 0; round++) {
      for (KvCache cache : caches) {
        cache.truncate(0);
      }
      long[] threads = threads();
      long before = bytes(mx, threads);
      for (int s = 0; s < ROUND_STEPS; s++) {
        decoder.step(models, caches, tokens, logits, ROWS);
      }
      least = Math.min(least, bytes(mx, threads) - before);
    }
    return least;
  }

  /** This thread and the compute pool's. */
  private static long[] threads() {
    long[] pool =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("lathe-compute-"))
            .mapToLong(Thread::threadId)
            .toArray();
    long[] all = Arrays.copyOf(pool, pool.length + 1);
    all[pool.length] = Thread.currentThread().threadId();
    return all;
  }

  private static long bytes(com.sun.management.ThreadMXBean mx, long[] threads) {
    long sum = 0;
    for (long id : threads) {
      sum += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return sum;
  }
}
