package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Bf16;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Caches holding bf16 keys and values ({@link KvDtype#BF16}): what they hold is the f32 keys and
 * values rounded to nearest even; every path that reads one (a prompt's products, a one-position
 * step, heads shorter than a vector, a restored prefix) gives a sequence the same bits however its
 * prompt is cut; and the logits stay within bf16's rounding of the f32 cache's, on random models
 * and on real checkpoints.
 */
class Bf16CacheTest {

  private static List<LanguageModel> models() {
    Gpt2Config g = TinyModels.gpt2Config();
    LlamaConfig llama = TinyModels.config("llama");
    LlamaConfig qwen3 = TinyModels.config("qwen3");
    return List.of(
        new LlamaModel(llama, TinyModels.llama(llama, 3)),
        new LlamaModel(qwen3, TinyModels.llama(qwen3, 4), DType.BF16),
        new Gpt2Model(g, TinyModels.gpt2(g, 5)));
  }

  @Test
  void theFirstLayerHoldsTheF32KeysAndValuesRoundedToNearestEven() {
    for (LanguageModel f32 : models()) {
      LanguageModel bf16 = f32.withKvDtype(KvDtype.BF16);
      assertThat(bf16.kvDtype()).isEqualTo(KvDtype.BF16);
      AttentionCache<?> a = (AttentionCache<?>) f32.newCache(16);
      AttentionCache<?> b = (AttentionCache<?>) bf16.newCache(16);
      float[] logits = new float[f32.vocabularySize()];
      int n = TinyModels.PROMPT.length;
      f32.forward(TinyModels.PROMPT, 0, n, a, logits);
      bf16.forward(TinyModels.PROMPT, 0, n, b, logits);
      assertThat(b.dtype()).isEqualTo(KvDtype.BF16);
      assertThat(b.keys).isNull();
      // the first layer's keys and values depend on the embeddings alone: the same before rounding
      int rounded = 0;
      for (int h = 0; h < a.kvHeads; h++) {
        for (int p = 0; p < 16; p++) {
          for (int d = 0; d < a.headDim; d++) {
            int i = (h * a.capacity + p) * a.headDim + d;
            short k = p < n ? Bf16.fromFloat(a.keys[0][i]) : 0;
            short v = p < n ? Bf16.fromFloat(a.values[0][i]) : 0;
            assertThat(b.keysBf16[0][i]).as("%s head %d position %d", f32, h, p).isEqualTo(k);
            assertThat(b.valuesBf16[0][i]).as("%s head %d position %d", f32, h, p).isEqualTo(v);
            rounded += Bf16.toFloat(k) != a.keys[0][i] ? 1 : 0;
          }
        }
      }
      assertThat(rounded).as("keys that bf16 cannot hold exactly").isPositive();
    }
  }

  @Test
  void logitsStayWithinBf16RoundingOfTheF32Cache() {
    for (LanguageModel f32 : models()) {
      LanguageModel bf16 = f32.withKvDtype(KvDtype.BF16);
      KvCache a = f32.newCache(20);
      KvCache b = bf16.newCache(20);
      float[] x = new float[f32.vocabularySize()];
      float[] y = new float[f32.vocabularySize()];
      f32.forward(TinyModels.PROMPT, 0, TinyModels.PROMPT.length, a, x);
      bf16.forward(TinyModels.PROMPT, 0, TinyModels.PROMPT.length, b, y);
      double worst = relative(x, y);
      int[] token = new int[1];
      for (int step = 0; step < 6; step++) {
        token[0] = BatchDecoderTest.argmax(x);
        f32.forward(token, 0, 1, a, x);
        bf16.forward(token, 0, 1, b, y);
        worst = Math.max(worst, relative(x, y));
      }
      System.out.printf("%s: largest logit difference, bf16 against f32 cache: %.2e%n", f32, worst);
      assertThat(worst).as("%s", f32).isGreaterThan(0).isLessThan(1e-2);
    }
  }

  /** The largest difference of two logit vectors, over the largest magnitude of the first. */
  private static double relative(float[] a, float[] b) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    return diff / scale;
  }

  @Test
  void aPromptCutIntoChunksGetsTheSameBits() {
    int[] prompt = {3, 17, 42, 5, 60, 0, 29, 11, 8, 40, 2, 19};
    for (LanguageModel f32 : models()) {
      LanguageModel m = f32.withKvDtype(KvDtype.BF16);
      float[] whole = new float[m.vocabularySize()];
      m.forward(prompt, 0, prompt.length, m.newCache(prompt.length), whole);
      for (int cut : new int[] {2, 5, 7, 10}) {
        KvCache c = m.newCache(prompt.length);
        float[] logits = new float[m.vocabularySize()];
        m.forward(prompt, 0, cut, c, logits);
        m.forward(prompt, cut, prompt.length - cut, c, logits);
        assertThat(logits).as("%s cut at %d", m, cut).isEqualTo(whole);
      }
    }
  }

  @Test
  void aPrefixOfABf16CacheRestoresItsPositionsAndHalvesTheBytes() {
    int[] prompt = {3, 17, 42, 5, 60, 0, 29, 11, 8, 40};
    for (LanguageModel f32 : models()) {
      LanguageModel m = f32.withKvDtype(KvDtype.BF16);
      KvCache first = m.newCache(prompt.length);
      float[] logits = new float[m.vocabularySize()];
      m.forward(prompt, 0, prompt.length, first, logits);
      KvPrefix prefix = KvPrefix.copy(first, 6);
      KvCache f32Cache = f32.newCache(prompt.length);
      f32.forward(prompt, 0, prompt.length, f32Cache, logits);
      assertThat(prefix.bytes() * 2).isEqualTo(KvPrefix.copy(f32Cache, 6).bytes());

      KvCache again = m.newCache(prompt.length);
      prefix.restore(again, 6);
      float[] restored = new float[m.vocabularySize()];
      m.forward(prompt, 6, prompt.length - 6, again, restored);
      float[] fresh = new float[m.vocabularySize()];
      KvCache c = m.newCache(prompt.length);
      m.forward(prompt, 0, 6, c, fresh);
      m.forward(prompt, 6, prompt.length - 6, c, fresh);
      assertThat(restored).as("%s", m).isEqualTo(fresh);

      assertThatThrownBy(() -> prefix.restore(f32.newCache(prompt.length), 6))
          .hasMessageContaining("this prefix holds bf16 keys and values; the cache holds f32");
    }
  }

  @Test
  void adapterViewsOfABf16CacheModelKeepIt() {
    LlamaConfig c = TinyModels.config("llama");
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 3)).withKvDtype(KvDtype.BF16);
    LanguageModel tuned = base.withAdapters(BatchDecoderTest.adapters(c, 2, 1));
    assertThat(tuned.kvDtype()).isEqualTo(KvDtype.BF16);
    assertThat(((AttentionCache<?>) tuned.newCache(4)).dtype()).isEqualTo(KvDtype.BF16);
    assertThat(base.withKvDtype(KvDtype.F32).kvDtype()).isEqualTo(KvDtype.F32);
    assertThatThrownBy(() -> KvDtype.named("f16", "serving.kv_cache_dtype"))
        .hasMessage("serving.kv_cache_dtype f16 is not a key/value cache type: use f32 or bf16");
  }

  @Test
  void greedyOutputOnRealCheckpointsAgreesWithTheF32CacheFor50Tokens() throws Exception {
    Path hf = SharedAssets.require("models/hf-TinyStories-656K");
    Path bin = SharedAssets.require("models/llama2c-stories260K").resolve("stories260K.bin");
    for (Path model : List.of(hf, bin)) {
      LanguageModel f32 = ModelLoader.load(model).model();
      LanguageModel bf16 =
          ModelLoader.load(model, LoadOptions.DEFAULT.withKvDtype(KvDtype.BF16)).model();
      assertThat(bf16.kvDtype()).isEqualTo(KvDtype.BF16);
      int[] a = greedy(f32, 100);
      int[] b = greedy(bf16, 100);
      int same = 0;
      while (same < a.length && a[same] == b[same]) {
        same++;
      }
      System.out.println(model.getFileName() + " f32 cache  " + java.util.Arrays.toString(a));
      System.out.println(model.getFileName() + " bf16 cache " + java.util.Arrays.toString(b));
      System.out.println(model.getFileName() + ": the first " + same + " tokens agree");
      // as the Q8_0 weights are held to: the first 50 greedy tokens from BOS
      assertThat(same).as("%s: tokens agreeing", model).isGreaterThanOrEqualTo(50);
    }
  }

  /** BOS then the most likely token, {@code n} times. */
  private static int[] greedy(LanguageModel m, int n) {
    int[] out = new int[n];
    KvCache cache = m.newCache(n + 1);
    float[] logits = new float[m.vocabularySize()];
    int[] tok = {1};
    for (int i = 0; i < n; i++) {
      m.forward(tok, 0, 1, cache, logits);
      out[i] = BatchDecoderTest.argmax(logits);
      tok[0] = out[i];
    }
    return out;
  }
}
