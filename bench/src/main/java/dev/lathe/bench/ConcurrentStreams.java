package dev.lathe.bench;

import dev.lathe.inference.BatchScheduler;
import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.PrefixCache;
import dev.lathe.inference.SamplingParams;
import dev.lathe.inference.TokenLogprob;
import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.KvDtype;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Continuous batching on the SmolLM2-135M shape (random weights, {@link RandomLlamaCheckpoint}):
 * {@code --streams} requests started at once through one {@link BatchScheduler}, against one
 * request alone through the same scheduler. Each request has its own {@code --prompt-tokens} prompt
 * and decodes {@code --tokens} tokens greedily (no stop token). With {@code --lora-rank R} the
 * streams alternate between the base and two random rank-R fine-tunes of it.
 *
 * <p>Aggregate decode tok/s: tokens after each stream's first, over the time from the earliest
 * first token to the last stream's end. Time to first token: from a request's start (all start
 * together) to its first token, prefill included; p50 and p99 over every stream of every round. One
 * untimed warm-up round precedes {@code --rounds} timed ones; medians are printed.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.ConcurrentStreams [--dtype f32|bf16|q8_0|q4_0] [--streams 8] [--tokens 64]
 *   [--prompt-tokens 32] [--rounds 3] [--threads 2] [--lora-rank 0] [--model FILE [--mmap false]]
 *   [--kv-cache-dtype f32|bf16]
 * </pre>
 *
 * <p>With {@code --model} the base is that checkpoint, loaded as {@code --dtype} says (its bf16
 * matrices read from the mapped file with {@code --mmap true}), instead of random weights.
 */
public final class ConcurrentStreams {
  private ConcurrentStreams() {}

  /** Ids printed as {@code <id>}: the bench needs no real vocabulary. */
  private static final class IdTokenizer implements TextTokenizer {
    private final int vocabulary;

    IdTokenizer(int vocabulary) {
      this.vocabulary = vocabulary;
    }

    @Override
    public int[] encode(String text) {
      throw new UnsupportedOperationException("the bench feeds token ids");
    }

    @Override
    public String decode(int[] ids) {
      StringBuilder b = new StringBuilder();
      for (int id : ids) {
        b.append('<').append(id).append('>');
      }
      return b.toString();
    }

    @Override
    public int vocabularySize() {
      return vocabulary;
    }
  }

  /** One round's measures. */
  private record Round(double decodeTokensPerSecond, double[] firstTokenMillis) {}

  public static void main(String[] args) throws Exception {
    DType dtype = DType.BF16;
    int streams = 8, tokens = 64, promptTokens = 32, rounds = 3, threads = 2, loraRank = 0;
    Path model = null;
    boolean mmap = false;
    KvDtype kv = KvDtype.F32;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--dtype" -> dtype = DType.valueOf(v.toUpperCase(Locale.ROOT));
        case "--streams" -> streams = Integer.parseInt(v);
        case "--tokens" -> tokens = Integer.parseInt(v);
        case "--prompt-tokens" -> promptTokens = Integer.parseInt(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--lora-rank" -> loraRank = Integer.parseInt(v);
        case "--model" -> model = Path.of(v);
        case "--mmap" -> mmap = Boolean.parseBoolean(v);
        case "--kv-cache-dtype" -> kv = KvDtype.named(v, "--kv-cache-dtype");
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    System.setProperty("lathe.threads", Integer.toString(threads));
    LlamaModel base =
        (model != null
                ? (LlamaModel) ModelLoader.load(model, new LoadOptions(dtype, mmap)).model()
                : new LlamaModel(
                    RandomLlamaCheckpoint.config("smol135"),
                    RandomLlamaCheckpoint.weights(RandomLlamaCheckpoint.config("smol135"), 1),
                    dtype))
            .withKvDtype(kv);
    LlamaConfig c = base.config();
    LanguageModel[] models = {base};
    if (loraRank > 0) {
      models =
          new LanguageModel[] {
            base,
            base.withAdapters(DecodeThroughput.randomAdapters(c, loraRank)),
            base.withAdapters(DecodeThroughput.randomAdapters(c, loraRank + 1))
          };
    }
    BatchScheduler scheduler =
        new BatchScheduler(
            streams, new PrefixCache(0), () -> 1L, r -> Thread.ofPlatform().daemon().unstarted(r));
    TextTokenizer tokenizer = new IdTokenizer(c.vocabSize());
    GenerationRequest request = GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(tokens);
    List<Round> one = new ArrayList<>();
    List<Round> many = new ArrayList<>();
    for (int r = -1; r < rounds; r++) { // r == -1: warm-up
      Round alone = round(scheduler, models, tokenizer, request, 1, promptTokens, r);
      Round together = round(scheduler, models, tokenizer, request, streams, promptTokens, r);
      if (r >= 0) {
        one.add(alone);
        many.add(together);
      }
    }
    double oneRate = median(one.stream().mapToDouble(Round::decodeTokensPerSecond).toArray());
    double manyRate = median(many.stream().mapToDouble(Round::decodeTokensPerSecond).toArray());
    double[] ttftOne =
        one.stream().flatMapToDouble(x -> Arrays.stream(x.firstTokenMillis())).toArray();
    double[] ttftMany =
        many.stream().flatMapToDouble(x -> Arrays.stream(x.firstTokenMillis())).toArray();
    System.out.printf(
        Locale.ROOT,
        "135M shape, %s, %s cache, %d threads, prompt %d tokens, %d tokens per stream, %s, %d"
            + " rounds%n",
        dtype,
        kv.configName(),
        threads,
        promptTokens,
        tokens,
        loraRank > 0 ? "streams over base + two rank-" + loraRank + " fine-tunes" : "base only",
        rounds);
    System.out.println("| measure | 1 stream | " + streams + " streams | ratio |");
    System.out.println("| --- | --- | --- | --- |");
    System.out.printf(
        Locale.ROOT,
        "| aggregate decode tok/s | %.1f | %.1f | %.2fx |%n",
        oneRate,
        manyRate,
        manyRate / oneRate);
    System.out.printf(
        Locale.ROOT,
        "| time to first token p50 / p99, ms | %.0f / %.0f | %.0f / %.0f | |%n",
        percentile(ttftOne, 50),
        percentile(ttftOne, 99),
        percentile(ttftMany, 50),
        percentile(ttftMany, 99));
    System.exit(0);
  }

  private static Round round(
      BatchScheduler scheduler,
      LanguageModel[] models,
      TextTokenizer tokenizer,
      GenerationRequest request,
      int streams,
      int promptTokens,
      int seed)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      CountDownLatch go = new CountDownLatch(1);
      long[] first = new long[streams];
      long[] end = new long[streams];
      int[] generated = new int[streams];
      List<Future<?>> futures = new ArrayList<>();
      long[] start = new long[1];
      for (int s = 0; s < streams; s++) {
        int k = s;
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
          prompt[i] = 1 + (int) Math.floorMod(i * 7919L + k * 104729L + seed * 31L, 49000L);
        }
        LanguageModel model = models[s % models.length];
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  GenerationListener timer =
                      new GenerationListener() {
                        @Override
                        public void onToken(int token, TokenLogprob logprob) {
                          if (first[k] == 0) {
                            first[k] = System.nanoTime();
                          }
                        }
                      };
                  generated[k] =
                      scheduler
                          .generate(model, tokenizer, prompt, request, timer, () -> false)
                          .completionTokens();
                  end[k] = System.nanoTime();
                  return null;
                }));
      }
      start[0] = System.nanoTime();
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
      long firstAny = Arrays.stream(first).min().orElseThrow();
      long lastEnd = Arrays.stream(end).max().orElseThrow();
      long decoded = Arrays.stream(generated).mapToLong(g -> g - 1).sum();
      double[] ttft = new double[streams];
      for (int s = 0; s < streams; s++) {
        ttft[s] = (first[s] - start[0]) / 1e6;
      }
      return new Round(decoded / ((lastEnd - firstAny) / 1e9), ttft);
    } finally {
      pool.shutdownNow();
    }
  }

  private static double median(double[] a) {
    return percentile(a, 50);
  }

  /** The nearest-rank percentile. */
  private static double percentile(double[] a, double p) {
    double[] s = a.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100 * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
  }
}
