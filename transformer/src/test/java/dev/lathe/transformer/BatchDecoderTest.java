package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A batched decode step computes, for each row, the logits its model's own forward computes (to
 * rounding), and the same bits whichever rows run with it: eight sequences of a base and two
 * different adapter sets, joining and leaving, decoded together equal each decoded alone.
 */
class BatchDecoderTest {

  /** PEFT-named random adapters on every Llama projection of {@code c}. */
  static AdapterSet adapters(LlamaConfig c, int rank, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    int d = c.dim(), f = c.hiddenDim(), q = c.queryDim(), kv = c.kvDim();
    String[] names = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    int[][] shapes = {{d, q}, {d, kv}, {d, kv}, {q, d}, {d, f}, {d, f}, {f, d}};
    for (int l = 0; l < c.layers(); l++) {
      for (int i = 0; i < names.length; i++) {
        String module = LoraModules.llama(l, names[i]);
        int in = shapes[i][0], out = shapes[i][1];
        tensors.put(
            LoraModules.loraA(module),
            new SafetensorsWriter.Tensor(
                new long[] {rank, in}, TinyModels.random(r, rank * in, 0.3f)));
        tensors.put(
            LoraModules.loraB(module),
            new SafetensorsWriter.Tensor(
                new long[] {out, rank}, TinyModels.random(r, out * rank, 0.3f)));
      }
    }
    return AdapterSet.of("adapters " + seed, tensors, 2 * rank, false);
  }

  /** One sequence: its model, prompt, and how many tokens it decodes. */
  record Seq(LanguageModel model, int[] prompt, int steps) {}

  static List<Seq> eight(LlamaModel base) {
    LanguageModel a = base.withAdapters(adapters(base.config(), 4, 1));
    LanguageModel b = base.withAdapters(adapters(base.config(), 2, 2));
    LanguageModel[] models = {base, a, b, a, base, b, a, base};
    List<Seq> seqs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int[] prompt = Arrays.copyOf(TinyModels.PROMPT, 2 + i % 5);
      prompt[0] = i;
      seqs.add(new Seq(models[i], prompt, 6 + 3 * i));
    }
    return seqs;
  }

  /**
   * Decodes {@code seqs} with one decoder, starting sequence {@code i} at step {@code 2i} when
   * {@code staggered} (all at once otherwise); each greedy; returns each sequence's logits per
   * step.
   */
  static float[][][] decode(List<Seq> seqs, boolean staggered) {
    int n = seqs.size();
    BatchDecoder decoder = new BatchDecoder();
    KvCache[] caches = new KvCache[n];
    float[][][] out = new float[n][][];
    int[] next = new int[n];
    int[] done = new int[n];
    for (int i = 0; i < n; i++) {
      Seq s = seqs.get(i);
      caches[i] = s.model().newCache(s.prompt().length + s.steps());
      out[i] = new float[s.steps() + 1][s.model().vocabularySize()];
      s.model().forward(s.prompt(), 0, s.prompt().length, caches[i], out[i][0]);
      next[i] = argmax(out[i][0]);
    }
    LanguageModel[] models = new LanguageModel[n];
    KvCache[] rowCaches = new KvCache[n];
    int[] tokens = new int[n];
    float[][] logits = new float[n][];
    int[] who = new int[n];
    for (int step = 0; ; step++) {
      int rows = 0;
      for (int i = 0; i < n; i++) {
        if ((!staggered || step >= 2 * i) && done[i] < seqs.get(i).steps()) {
          who[rows] = i;
          models[rows] = seqs.get(i).model();
          rowCaches[rows] = caches[i];
          tokens[rows] = next[i];
          logits[rows] = out[i][done[i] + 1];
          rows++;
        }
      }
      if (rows == 0 && (!staggered || step > 2 * n)) {
        return out;
      }
      if (rows > 0) {
        decoder.step(models, rowCaches, tokens, logits, rows);
      }
      for (int r = 0; r < rows; r++) {
        int i = who[r];
        next[i] = argmax(out[i][++done[i]]);
      }
    }
  }

  /** The index of the largest value (the first if tied). */
  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void eightSequencesDecodedTogetherGetTheBitsEachGetsAlone() {
    for (String type : new String[] {"llama", "qwen3"}) {
      for (DType dtype : DType.values()) {
        if (dtype == DType.F16) {
          continue; // not a type weights are held in
        }
        for (KvDtype kv : KvDtype.values()) {
          LlamaConfig c = TinyModels.config(type);
          LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 7), dtype).withKvDtype(kv);
          List<Seq> seqs = eight(base);
          float[][][] together = decode(seqs, true);
          float[][][] allAtOnce = decode(seqs, false);
          for (int i = 0; i < seqs.size(); i++) {
            float[][] alone = decode(List.of(seqs.get(i)), false)[0];
            for (int s = 0; s < alone.length; s++) {
              assertThat(together[i][s])
                  .as("%s %s cache %s seq %d step %d", type, dtype, kv, i, s)
                  .isEqualTo(alone[s]);
              assertThat(allAtOnce[i][s])
                  .as("%s %s cache %s seq %d step %d", type, dtype, kv, i, s)
                  .isEqualTo(alone[s]);
            }
          }
        }
      }
    }
  }

  @Test
  void attentionSpreadOverThePoolGivesEachRowTheBitsItGetsAlone() {
    // two rows with long caches attend as one task per (row, head) on the pool; each alone stays
    // under BatchDecoder.PARALLEL_ATTENTION and attends on the calling thread
    LlamaConfig t = TinyModels.config("qwen3");
    LlamaConfig c =
        new LlamaConfig(
            t.dim(),
            t.hiddenDim(),
            t.layers(),
            t.heads(),
            t.kvHeads(),
            t.headDim(),
            t.vocabSize(),
            1024,
            t.normEps(),
            t.ropeTheta(),
            t.ropeScaling(),
            t.ropeStyle(),
            t.attentionBias(),
            t.outputBias(),
            t.qkNorm(),
            t.tiedEmbeddings());
    assertThat((610L + 1) * c.queryDim()).isLessThan(BatchDecoder.PARALLEL_ATTENTION);
    assertThat(1212L * c.queryDim()).isGreaterThanOrEqualTo(BatchDecoder.PARALLEL_ATTENTION);
    for (KvDtype kv : KvDtype.values()) {
      LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 5)).withKvDtype(kv);
      List<Seq> seqs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int[] prompt = new int[600 + 10 * i];
        for (int p = 0; p < prompt.length; p++) {
          prompt[p] = (p * 7 + i * 3) % c.vocabSize();
        }
        seqs.add(new Seq(base, prompt, 3));
      }
      float[][][] together = decode(seqs, false);
      for (int i = 0; i < seqs.size(); i++) {
        float[][] alone = decode(List.of(seqs.get(i)), false)[0];
        for (int s = 0; s < alone.length; s++) {
          assertThat(together[i][s]).as("cache %s seq %d step %d", kv, i, s).isEqualTo(alone[s]);
        }
      }
    }
  }

  @Test
  void promptsPrefilledTogetherGetTheBitsOfTheirOwnForward() {
    for (String type : new String[] {"llama", "qwen3"}) {
      for (DType dtype : DType.values()) {
        if (dtype == DType.F16) {
          continue; // not a type weights are held in
        }
        LlamaConfig c = TinyModels.config(type);
        for (KvDtype kv : KvDtype.values()) {
          LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 11), dtype).withKvDtype(kv);
          List<Seq> seqs = eight(base);
          int n = seqs.size();
          LanguageModel[] models = new LanguageModel[n];
          KvCache[] together = new KvCache[n];
          int[][] prompts = new int[n][];
          int[] from = new int[n];
          int[] count = new int[n];
          float[][] logits = new float[n][c.vocabSize()];
          for (int i = 0; i < n; i++) {
            Seq s = seqs.get(i);
            models[i] = s.model();
            prompts[i] = s.prompt();
            count[i] = s.prompt().length;
            together[i] = s.model().newCache(count[i] + 1);
          }
          BatchDecoder decoder = new BatchDecoder();
          decoder.prefill(models, together, prompts, from, count, logits, n);
          // then one decode step for all: the same bits again when the caches hold the same keys
          int[] next = new int[n];
          float[][] stepped = new float[n][c.vocabSize()];
          for (int i = 0; i < n; i++) {
            next[i] = argmax(logits[i]);
          }
          decoder.step(models, together, next, stepped, n);
          for (int i = 0; i < n; i++) {
            Seq s = seqs.get(i);
            KvCache alone = s.model().newCache(count[i] + 1);
            float[] own = new float[c.vocabSize()];
            s.model().forward(s.prompt(), 0, count[i], alone, own);
            assertThat(logits[i])
                .as("%s %s cache %s seq %d prompt", type, dtype, kv, i)
                .isEqualTo(own);
            float[] ownStep = new float[c.vocabSize()];
            new BatchDecoder()
                .step(
                    new LanguageModel[] {s.model()},
                    new KvCache[] {alone},
                    new int[] {next[i]},
                    new float[][] {ownStep},
                    1);
            assertThat(stepped[i])
                .as("%s %s cache %s seq %d step", type, dtype, kv, i)
                .isEqualTo(ownStep);
          }
        }
      }
    }
  }

  @Test
  void aPromptFedInChunksInAnyCompanyGetsTheSameBits() {
    LlamaConfig c = TinyModels.config("qwen3");
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 5), DType.BF16);
    List<Seq> seqs = eight(base);
    // sequence 3 alone, its prompt fed one position then the rest
    Seq s = seqs.get(3);
    int len = s.prompt().length;
    KvCache alone = s.model().newCache(len);
    float[] aloneLogits = new float[c.vocabSize()];
    BatchDecoder one = new BatchDecoder();
    LanguageModel[] m = {s.model()};
    one.prefill(
        m,
        new KvCache[] {alone},
        new int[][] {s.prompt()},
        new int[] {0},
        new int[] {1},
        new float[][] {null},
        1);
    one.prefill(
        m,
        new KvCache[] {alone},
        new int[][] {s.prompt()},
        new int[] {1},
        new int[] {len - 1},
        new float[][] {aloneLogits},
        1);
    // the same chunks, each with company: sequence 0 whole, then sequence 5 whole
    Seq s0 = seqs.get(0);
    Seq s5 = seqs.get(5);
    KvCache mine = s.model().newCache(len);
    float[] mineLogits = new float[c.vocabSize()];
    BatchDecoder many = new BatchDecoder();
    many.prefill(
        new LanguageModel[] {s0.model(), s.model()},
        new KvCache[] {s0.model().newCache(s0.prompt().length), mine},
        new int[][] {s0.prompt(), s.prompt()},
        new int[] {0, 0},
        new int[] {s0.prompt().length, 1},
        new float[][] {null, null},
        2);
    many.prefill(
        new LanguageModel[] {s.model(), s5.model()},
        new KvCache[] {mine, s5.model().newCache(s5.prompt().length)},
        new int[][] {s.prompt(), s5.prompt()},
        new int[] {1, 0},
        new int[] {len - 1, s5.prompt().length},
        new float[][] {mineLogits, new float[c.vocabSize()]},
        2);
    assertThat(mineLogits).isEqualTo(aloneLogits);
  }

  @Test
  void eachRowComputesWhatItsModelsOwnForwardComputes() {
    LlamaConfig c = TinyModels.config("qwen3");
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 3));
    List<Seq> seqs = eight(base);
    float[][][] batched = decode(seqs, true);
    for (int i = 0; i < seqs.size(); i++) {
      Seq s = seqs.get(i);
      KvCache cache = s.model().newCache(s.prompt().length + s.steps());
      float[] logits = new float[c.vocabSize()];
      s.model().forward(s.prompt(), 0, s.prompt().length, cache, logits);
      for (int step = 1; step <= s.steps(); step++) {
        s.model().forward(new int[] {argmax(logits)}, 0, 1, cache, logits);
        for (int v = 0; v < logits.length; v++) {
          assertThat(batched[i][step][v])
              .as("seq %d step %d logit %d", i, step, v)
              .isCloseTo(
                  logits[v],
                  org.assertj.core.data.Offset.offset(1e-4f * (1 + Math.abs(logits[v]))));
        }
      }
    }
  }

  @Test
  void rowsOfOtherBaseWeightsAreRefused() {
    LlamaConfig c = TinyModels.config("llama");
    LlamaModel one = new LlamaModel(c, TinyModels.llama(c, 1));
    LlamaModel two = new LlamaModel(c, TinyModels.llama(c, 2));
    assertThat(BatchDecoder.weightsOf(one.withAdapters(adapters(c, 2, 5))))
        .isSameAs(BatchDecoder.weightsOf(one));
    KvCache[] caches = {one.newCache(4), two.newCache(4)};
    float[][] logits = {new float[c.vocabSize()], new float[c.vocabSize()]};
    assertThatThrownBy(
            () ->
                new BatchDecoder()
                    .step(new LanguageModel[] {one, two}, caches, new int[] {1, 2}, logits, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1");
  }
}
