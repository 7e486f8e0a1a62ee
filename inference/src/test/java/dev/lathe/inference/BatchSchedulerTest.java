package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.SafetensorsWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Concurrent generations of a base and two LoRA fine-tunes of it decode in shared steps and get,
 * byte for byte (text, tokens, log-probabilities), what each gets alone, greedy and with seeded
 * sampling; a client that stops listening ends only its own row; the prefix cache changes no output
 * and reports its hits.
 */
class BatchSchedulerTest {
  private static final ByteTokenizer TOKENIZER = new ByteTokenizer();
  private static final LlamaConfig CONFIG =
      new LlamaConfig(
          64,
          96,
          2,
          4,
          2,
          16,
          258,
          256,
          1e-5f,
          10_000,
          RopeScaling.NONE,
          Rope.Style.ROTATE_HALF,
          true,
          false,
          false,
          true);
  private static final LlamaModel BASE = new LlamaModel(CONFIG, weights(CONFIG, 3));
  private static final LanguageModel FT_A = BASE.withAdapters(adapters(CONFIG, 4, 1));
  private static final LanguageModel FT_B = BASE.withAdapters(adapters(CONFIG, 2, 2));

  private static float[] random(SplittableRandom r, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    java.util.Arrays.fill(a, 1f);
    return a;
  }

  static LlamaWeights weights(LlamaConfig c, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int d = c.dim(), f = c.hiddenDim(), q = c.queryDim(), kv = c.kvDim();
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new LlamaWeights.Layer<>(
              ones(d),
              random(r, q * d, 0.3f),
              random(r, kv * d, 0.3f),
              random(r, kv * d, 0.3f),
              random(r, d * q, 0.3f),
              random(r, q, 0.1f),
              random(r, kv, 0.1f),
              random(r, kv, 0.1f),
              null,
              null,
              null,
              ones(d),
              random(r, f * d, 0.3f),
              random(r, f * d, 0.3f),
              random(r, d * f, 0.3f)));
    }
    float[] embedding = random(r, c.vocabSize() * d, 1f);
    return new LlamaWeights(embedding, layers, ones(d), embedding);
  }

  static AdapterSet adapters(LlamaConfig c, int rank, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    int d = c.dim(), f = c.hiddenDim(), q = c.queryDim(), kv = c.kvDim();
    String[] names = {"q_proj", "v_proj", "o_proj", "up_proj", "down_proj"};
    int[][] shapes = {{d, q}, {d, kv}, {q, d}, {d, f}, {f, d}};
    for (int l = 0; l < c.layers(); l++) {
      for (int i = 0; i < names.length; i++) {
        String module = LoraModules.llama(l, names[i]);
        int in = shapes[i][0], out = shapes[i][1];
        tensors.put(
            LoraModules.loraA(module),
            new SafetensorsWriter.Tensor(new long[] {rank, in}, random(r, rank * in, 0.3f)));
        tensors.put(
            LoraModules.loraB(module),
            new SafetensorsWriter.Tensor(new long[] {out, rank}, random(r, out * rank, 0.3f)));
      }
    }
    return AdapterSet.of("adapters " + seed, tensors, 2 * rank, false);
  }

  private record Job(LanguageModel model, int[] prompt, GenerationRequest request) {
    GenerationResult run(BatchScheduler s) {
      return BatchSchedulerTest.run(s, this);
    }
  }

  private static int[] prompt(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[b.length + 1];
    ids[0] = ByteTokenizer.BOS;
    for (int i = 0; i < b.length; i++) {
      ids[i + 1] = b[i] & 0xff;
    }
    return ids;
  }

  /** Eight different requests: base and two fine-tunes, greedy and seeded sampling. */
  private static List<Job> eight(String system) {
    LanguageModel[] models = {BASE, FT_A, FT_B, FT_A, BASE, FT_B, FT_A, BASE};
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      SamplingParams sampling =
          i % 2 == 0
              ? SamplingParams.GREEDY.withTopLogprobs(3)
              : SamplingParams.DEFAULTS.withTemperature(0.9).withSeed(100 + i).withTopLogprobs(2);
      GenerationRequest request =
          GenerationRequest.of(sampling).withMaxTokens(20 + 7 * i).withLogprobs(true);
      if (i == 5) { // a stop string: a piece of what it generates without one
        String text =
            new Job(models[i], prompt(system + "user " + i + ": hello there"), request)
                .run(scheduler(0))
                .text();
        request = request.withStop(List.of(text.substring(6, 8)));
      }
      jobs.add(new Job(models[i], prompt(system + "user " + i + ": hello there"), request));
    }
    return jobs;
  }

  private static BatchScheduler scheduler(long prefixBytes) {
    return new BatchScheduler(
        8, new PrefixCache(prefixBytes), () -> 42L, r -> Thread.ofPlatform().daemon().unstarted(r));
  }

  private static GenerationResult run(BatchScheduler s, Job j) {
    return s.generate(
        j.model(), TOKENIZER, j.prompt(), j.request(), GenerationListener.NONE, () -> false);
  }

  /** All jobs at once, each on its own thread, released together. */
  private static List<GenerationResult> concurrently(BatchScheduler s, List<Job> jobs)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<GenerationResult>> futures = new ArrayList<>();
      for (Job j : jobs) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return run(s, j);
                }));
      }
      go.countDown();
      List<GenerationResult> results = new ArrayList<>();
      for (Future<GenerationResult> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertSame(GenerationResult actual, GenerationResult expected, int i) {
    assertThat(actual.text()).as("text of request %d", i).isEqualTo(expected.text());
    assertThat(actual.tokens()).as("tokens of request %d", i).isEqualTo(expected.tokens());
    assertThat(actual.logprobs()).as("logprobs of request %d", i).isEqualTo(expected.logprobs());
    assertThat(actual.finishReason())
        .as("finish of request %d", i)
        .isEqualTo(expected.finishReason());
  }

  @Test
  void eightConcurrentRequestsOfABaseAndTwoFineTunesGetWhatEachGetsAlone() throws Exception {
    List<Job> jobs = eight("");
    BatchScheduler s = scheduler(0);
    List<GenerationResult> alone = new ArrayList<>();
    for (Job j : jobs) {
      alone.add(run(s, j));
    }
    long stepsAlone = s.steps();
    assertThat(s.rows()).as("alone, every step is a batch of one").isEqualTo(stepsAlone);
    List<GenerationResult> together = concurrently(s, jobs);
    for (int i = 0; i < jobs.size(); i++) {
      assertSame(together.get(i), alone.get(i), i);
      assertThat(together.get(i).completionTokens()).isGreaterThan(1);
    }
    assertThat(alone.get(5).finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(alone.get(7).finishReason()).isEqualTo(FinishReason.LENGTH);
    long steps = s.steps() - stepsAlone;
    long rows = s.rows() - stepsAlone;
    assertThat((double) rows / steps).as("rows per batched step").isGreaterThan(1.5);
  }

  @Test
  void aClientThatStopsListeningEndsOnlyItsOwnRow() throws Exception {
    BatchScheduler s = scheduler(0);
    Job other = eight("").get(2);
    GenerationResult alone = run(s, other);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<GenerationResult> running = pool.submit(() -> run(s, other));
      GenerationListener gone =
          new GenerationListener() {
            int seen;

            @Override
            public void onToken(int token, TokenLogprob logprob) {
              if (++seen == 3) {
                throw new IllegalStateException("client disconnected");
              }
            }
          };
      Job leaving = eight("").get(1);
      assertThatThrownBy(
              () ->
                  s.generate(
                      leaving.model(),
                      TOKENIZER,
                      leaving.prompt(),
                      leaving.request(),
                      gone,
                      () -> false))
          .hasMessage("client disconnected");
      assertSame(running.get(), alone, 2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCachedSystemPromptChangesNoOutputAndCountsItsHits() throws Exception {
    String system = "system: you are a terse assistant that answers in one line. ";
    List<Job> jobs = eight(system);
    BatchScheduler plain = scheduler(0);
    BatchScheduler cached = scheduler(64L << 20);
    for (int i = 0; i < jobs.size(); i++) {
      assertSame(run(cached, jobs.get(i)), run(plain, jobs.get(i)), i);
    }
    PrefixCache p = cached.prefixes();
    // the first request of each model misses, later ones reuse the system prompt at least
    assertThat(p.misses()).isEqualTo(3);
    assertThat(p.hits()).isEqualTo(5);
    assertThat(p.reusedTokens()).isGreaterThanOrEqualTo(5L * (system.length() + 1));
    assertThat(plain.prefixes().hits()).isZero();
    assertThat(p.bytes()).isPositive();
    // and concurrently, with hits from the start
    List<GenerationResult> together = concurrently(cached, jobs);
    for (int i = 0; i < jobs.size(); i++) {
      assertSame(together.get(i), run(plain, jobs.get(i)), i);
    }
  }
}
