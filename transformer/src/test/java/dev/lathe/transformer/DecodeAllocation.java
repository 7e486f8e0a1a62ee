package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures what warm decode steps allocate, in a JVM of its own ({@link DecodeAllocationTest}
 * starts one): decode only, so the JIT's profile is that of a serving loop, not of whatever other
 * tests ran before. Prints, per dtype named in the arguments, the least bytes allocated by one
 * round of {@link #ROUND_STEPS} steps at positions 0-60 of a 64-position cache and at 400-460 of a
 * 512-position one (there attention runs on the pool), counted on the calling thread and the
 * compute pool's workers together.
 *
 * <p>Before C2 has compiled the Vector API kernels they allocate an object per vector operation
 * (tens of KB a step), so rounds run until one allocates nothing, up to {@link #MAX_ROUNDS}.
 */
final class DecodeAllocation {
  static final int ROUND_STEPS = 60;
  static final int MAX_ROUNDS = 600;

  /** Big enough that attention runs on the pool at the later positions. */
  static final LlamaConfig MEDIUM = config(64, 96, 2, 8, 2, 8);

  /**
   * Wide enough that the fused query/key/value and gate/up mat-vecs run on the pool, with heads as
   * long as a vector or longer (MEDIUM's are shorter: attention across positions).
   */
  static final LlamaConfig WIDE = config(256, 384, 1, 4, 2, 64);

  /**
   * SmolLM2-135M's layer shape (two layers, a small vocabulary): wide heads, and enough positions
   * that a batched step's attention runs on the pool, in compiled code the small models' steps do
   * not reach.
   */
  static final LlamaConfig SMOL_LAYERS = config(576, 1536, 2, 9, 3, 64);

  private static LlamaConfig config(
      int dim, int hidden, int layers, int heads, int kvHeads, int headDim) {
    return new LlamaConfig(
        dim,
        hidden,
        layers,
        heads,
        kvHeads,
        headDim,
        300,
        512,
        1e-5f,
        10_000,
        RopeScaling.NONE,
        Rope.Style.INTERLEAVED,
        false,
        false,
        false,
        true);
  }

  public static void main(String[] args) {
    for (String name : args) {
      long[] least = measure(model(MEDIUM, 4, name));
      long[] wide = measure(model(WIDE, 5, name));
      System.out.println(name + " " + least[0] + " " + least[1] + " " + wide[0] + " " + wide[1]);
    }
  }

  /**
   * The model of config {@code c} with random weights of {@code seed}, held as the dtype {@code
   * name} says, or for {@code BF16_MAPPED} saved as a bf16 checkpoint and read straight from its
   * mapped file; a name ending in {@code _KV} holds its caches in bf16.
   */
  static LlamaModel model(LlamaConfig c, long seed, String name) {
    if (name.endsWith("_KV")) { // the same, its caches holding bf16 keys and values
      return model(c, seed, name.substring(0, name.length() - 3)).withKvDtype(KvDtype.BF16);
    }
    if (!name.equals("BF16_MAPPED")) {
      return new LlamaModel(c, TinyModels.llama(c, seed), DType.valueOf(name));
    }
    try {
      Path dir = Files.createTempDirectory("mapped");
      HfCheckpointWriter.save(dir, "llama", c, TinyModels.llama(c, seed), DType.BF16);
      dir.toFile().deleteOnExit(); // registered first, so deleted after the files in it
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().deleteOnExit());
      }
      LlamaModel m = (LlamaModel) ModelLoader.load(dir, LoadOptions.DEFAULT.mapped(true)).model();
      if (!m.weightsMapped()) {
        throw new IllegalStateException("the bf16 checkpoint was not mapped");
      }
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long[] measure(LlamaModel m) {
    KvCache small = m.newCache(64);
    KvCache large = m.newCache(512);
    float[] logits = new float[m.vocabularySize()];
    int[] token = {1};
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] least = {Long.MAX_VALUE, Long.MAX_VALUE}; // small, large
    for (int round = 0; round < MAX_ROUNDS && (least[0] > 0 || least[1] > 0); round++) {
      int c = round % 2;
      KvCache cache = c == 0 ? small : large;
      cache.truncate(0);
      for (int i = 0; c == 1 && i < 400; i++) {
        m.forward(token, 0, 1, cache, logits);
      }
      long[] threads = computingThreads();
      long before = allocated(mx, threads);
      for (int i = 0; i < ROUND_STEPS; i++) {
        m.forward(token, 0, 1, cache, logits);
      }
      least[c] = Math.min(least[c], allocated(mx, threads) - before);
    }
    return least;
  }

  /** The calling thread and the compute pool's workers ({@code lathe-compute-N}). */
  private static long[] computingThreads() {
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of(Thread.currentThread()),
            Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("lathe-compute-")))
        .mapToLong(Thread::threadId)
        .toArray();
  }

  /** Allocated bytes of {@code threads}, read without allocating. */
  private static long allocated(com.sun.management.ThreadMXBean mx, long[] threads) {
    long sum = 0;
    for (long id : threads) {
      sum += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return sum;
  }
}
