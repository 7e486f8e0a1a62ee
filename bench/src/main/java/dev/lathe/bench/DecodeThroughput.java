package dev.lathe.bench;

import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Whole-process decode and prefill throughput of one model, comparable with llama2.c's {@code run}:
 * greedy decoding at batch 1 from BOS (token 1) for {@code --tokens} steps, timed from the end of
 * the first step to the end of the last (llama2.c also leaves its first step out of {@code achieved
 * tok/s}), then a prefill of {@code --prompt-tokens} tokens in one call. Untimed warm-up runs (at
 * least one, repeated for two seconds) precede {@code --repeat} timed runs; medians (and min..max)
 * are printed.
 *
 * <p>GB/s is the bytes of weights one decode step reads (every block's matrices and norms, the
 * whole classifier, one embedding row; the KV cache is not counted) times tokens per second.
 *
 * <p>{@code --probe-mb N} measures the machine's streaming read bandwidth ({@link ReadBandwidth}
 * over N MB, best of five passes) right before each timed round, and prints the median over the
 * rounds of the decode's GB/s as a share of the bandwidth measured just before it: a VM's bandwidth
 * moves from minute to minute, so a share against a probe taken earlier says little.
 *
 * <p>{@code --lora-rank R} times the model as a fine-tune is served: a random rank-R LoRA adapter
 * on all seven projections of every layer, applied at forward time over the shared weights (the
 * adapter's bytes are not counted in GB/s).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.DecodeThroughput --model M [--dtype f32|bf16|q8_0|q4_0] [--tokens 200] [--threads 2]
 *   [--prompt-tokens 512] [--repeat 5] [--lora-rank 0] [--probe-mb 0] [--mmap true|false]
 *   [--kv-cache-dtype f32|bf16]
 * </pre>
 */
public final class DecodeThroughput {
  private DecodeThroughput() {}

  /**
   * Warm-up: whole untimed runs (decode and prefill) repeated for at least this long, so that the
   * timed runs measure the compiled kernels rather than the JIT at work (a tiny model's run lasts a
   * few milliseconds, less than C2 takes to compile its kernels).
   */
  private static final long WARM_UP_NANOS = 2_000_000_000L;

  /** Timed passes of the read-bandwidth probe before each round ({@code --probe-mb}). */
  private static final int PROBE_PASSES = 5;

  /** Parsed command line. */
  record Options(
      Path model,
      DType dtype,
      int tokens,
      int threads,
      int promptTokens,
      int repeat,
      int loraRank,
      int probeMb,
      boolean mmap,
      KvDtype kv) {
    Options {
      if (tokens < 2
          || promptTokens < 1
          || repeat < 1
          || threads < 1
          || loraRank < 0
          || probeMb < 0) {
        throw new IllegalArgumentException(
            "--tokens must be >= 2, --prompt-tokens, --repeat and --threads >= 1, --lora-rank and"
                + " --probe-mb >= 0");
      }
    }

    static Options parse(String[] args) {
      Path model = null;
      DType dtype = null;
      int tokens = 200;
      int threads = 2;
      int prompt = 512;
      int repeat = 5;
      int loraRank = 0;
      int probeMb = 0;
      boolean mmap = false;
      KvDtype kv = KvDtype.F32;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String v = args[++i];
        switch (flag) {
          case "--model" -> model = Path.of(v);
          case "--dtype" -> dtype = LoadOptions.named(v, "--dtype").weightDtype();
          case "--tokens" -> tokens = Integer.parseInt(v);
          case "--threads" -> threads = Integer.parseInt(v);
          case "--prompt-tokens" -> prompt = Integer.parseInt(v);
          case "--repeat" -> repeat = Integer.parseInt(v);
          case "--lora-rank" -> loraRank = Integer.parseInt(v);
          case "--probe-mb" -> probeMb = Integer.parseInt(v);
          case "--mmap" -> mmap = Boolean.parseBoolean(v);
          case "--kv-cache-dtype" -> kv = KvDtype.named(v, "--kv-cache-dtype");
          default ->
              throw new IllegalArgumentException(
                  "unknown option "
                      + flag
                      + " (--model --dtype --tokens --threads --prompt-tokens --repeat"
                      + " --lora-rank --probe-mb --mmap --kv-cache-dtype)");
        }
      }
      if (model == null || !Files.exists(model)) {
        throw new IllegalArgumentException("--model must name an existing model: " + model);
      }
      return new Options(
          model, dtype, tokens, threads, prompt, repeat, loraRank, probeMb, mmap, kv);
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    // the compute pool reads its size once, when first used
    System.setProperty("lathe.threads", Integer.toString(o.threads()));
    LoadedModel loaded =
        ModelLoader.load(o.model(), new LoadOptions(o.dtype(), o.mmap()).withKvDtype(o.kv()));
    LanguageModel model = loaded.model();
    if (!(model instanceof LlamaModel llama)) {
      throw new IllegalArgumentException("DecodeThroughput times Llama-family models");
    }
    long bytesPerToken = llama.weightBytesPerToken();
    if (o.loraRank() > 0) {
      model = llama.withAdapters(randomAdapters(llama.config(), o.loraRank()));
    }
    int prompt = Math.min(o.promptTokens(), model.contextLength());
    int capacity = Math.min(model.contextLength(), Math.max(o.tokens(), prompt));
    KvCache cache = model.newCache(capacity);
    float[] logits = new float[model.vocabularySize()];
    int[] promptIds = new int[prompt];
    for (int i = 0; i < prompt; i++) {
      promptIds[i] = 1 + (i * 7919) % (model.vocabularySize() - 1);
    }
    double[] decode = new double[o.repeat()];
    double[] prefill = new double[o.repeat()];
    ReadBandwidth probe = o.probeMb() > 0 ? new ReadBandwidth(o.probeMb(), o.threads()) : null;
    double[] bandwidth = new double[o.repeat()];
    long warmUntil = System.nanoTime() + WARM_UP_NANOS;
    for (int r = -1; r < o.repeat(); r++) { // r == -1: warm-up, repeated for WARM_UP_NANOS
      if (probe != null && r >= 0) {
        bandwidth[r] = probe.measure(PROBE_PASSES).bestGbs();
      }
      double d = decodeTokensPerSecond(model, cache, logits, Math.min(o.tokens(), capacity));
      cache.truncate(0);
      long t0 = System.nanoTime();
      model.forward(promptIds, 0, prompt, cache, logits);
      double p = prompt / ((System.nanoTime() - t0) / 1e9);
      cache.truncate(0);
      if (r >= 0) {
        decode[r] = d;
        prefill[r] = p;
      } else if (System.nanoTime() < warmUntil) {
        r--; // still warming up: the JIT compiles the kernels while they run
      }
    }
    double dm = median(decode);
    System.out.printf(
        Locale.ROOT,
        "model %s  weights %s  threads %d  weight bytes/token %.1f MB  LoRA rank %d%n",
        o.model().getFileName(),
        llama.weightDtype(),
        o.threads(),
        bytesPerToken / 1e6,
        o.loraRank());
    System.out.printf(
        Locale.ROOT,
        "decode tok/s %.1f (min %.1f max %.1f)  weights read %.2f GB/s  [%d tokens from BOS,"
            + " first step excluded]%n",
        dm,
        min(decode),
        max(decode),
        dm * bytesPerToken / 1e9,
        o.tokens());
    if (probe != null) {
      double[] share = new double[o.repeat()];
      for (int r = 0; r < share.length; r++) {
        share[r] = decode[r] * bytesPerToken / 1e9 / bandwidth[r];
      }
      System.out.printf(
          Locale.ROOT,
          "read bandwidth %.1f GB/s (median of the probe's best pass before each round; min %.1f"
              + " max %.1f)  decode share %.0f%% (median of the rounds' shares; min %.0f%% max"
              + " %.0f%%)%n",
          median(bandwidth),
          min(bandwidth),
          max(bandwidth),
          100 * median(share),
          100 * min(share),
          100 * max(share));
    }
    System.out.printf(
        Locale.ROOT,
        "prefill tok/s %.1f (min %.1f max %.1f)  [%d-token prompt, one call]%n",
        median(prefill),
        min(prefill),
        max(prefill),
        prompt);
  }

  /** A rank-{@code r} adapter with random values on every projection of every layer. */
  static AdapterSet randomAdapters(LlamaConfig c, int r) {
    SplittableRandom random = new SplittableRandom(1);
    int d = c.dim();
    int f = c.hiddenDim();
    int[][] inOut = {
      {d, c.queryDim()}, {d, c.kvDim()}, {d, c.kvDim()}, {c.queryDim(), d}, {d, f}, {d, f}, {f, d}
    };
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (int l = 0; l < c.layers(); l++) {
      for (int t = 0; t < LoraModules.LLAMA.size(); t++) {
        String module = LoraModules.llama(l, LoraModules.LLAMA.get(t));
        tensors.put(LoraModules.loraA(module), randomMatrix(random, r, inOut[t][0]));
        tensors.put(LoraModules.loraB(module), randomMatrix(random, inOut[t][1], r));
      }
    }
    return AdapterSet.of("random rank-" + r + " adapter", tensors, 2.0 * r, false);
  }

  private static SafetensorsWriter.Tensor randomMatrix(
      SplittableRandom random, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((random.nextDouble() * 2 - 1) * 0.01);
    }
    return new SafetensorsWriter.Tensor(new long[] {rows, cols}, v);
  }

  /** Greedy decode of {@code tokens} steps from BOS; rate over steps 2..tokens. */
  private static double decodeTokensPerSecond(
      LanguageModel model, KvCache cache, float[] logits, int tokens) {
    int[] token = {1};
    long start = 0;
    for (int step = 0; step < tokens; step++) {
      model.forward(token, 0, 1, cache, logits);
      token[0] = argmax(logits, model.vocabularySize());
      if (step == 0) {
        start = System.nanoTime();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    cache.truncate(0);
    return (tokens - 1) / seconds;
  }

  private static int argmax(float[] a, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (a[i] > a[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElseThrow();
  }

  private static double max(double[] a) {
    return Arrays.stream(a).max().orElseThrow();
  }
}
