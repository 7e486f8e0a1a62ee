package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.transformer.train.Gpt2Trainer;
import dev.lathe.transformer.train.LlamaTrainer;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * LoRA adapters applied at forward time ({@link LanguageModel#withAdapters}) compute what the
 * trainer's merged weights compute, over prefill and decode, while the shared base is untouched.
 * The adapters are the trainer's own parameters filled with random values (B not zero), so the
 * tensor names the trainer writes are the names the models bind.
 */
class AdapterServingTest {
  private static final int[] TOKENS = {3, 17, 42, 5, 60, 0, 29, 11, 8, 33, 21, 2};
  private static final int PREFILL = 7;

  /**
   * A LoRA trainer over {@code base} with every adapter matrix random, and its adapters as a set.
   */
  private record Adapted(TrainableModel trainer, AdapterSet set) {}

  private static Adapted adapted(
      LanguageModel base, ModelConfig config, LoraConfig lora, long seed) {
    String type = base instanceof Gpt2Model ? "gpt2" : "llama";
    TrainableModel trainer =
        Training.lora(
            new LoadedModel(base, type, config, GenerationConfig.EMPTY),
            lora,
            new SplittableRandom(seed));
    SplittableRandom r = new SplittableRandom(seed + 1);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : trainer.trainableParameters()) {
      float[] values = TinyModels.random(r, p.value().length, 0.2f);
      trainer.setParameter(p.name(), values);
      long[] shape = {p.shape()[0], p.shape()[1]};
      tensors.put(p.name(), new SafetensorsWriter.Tensor(shape, values));
    }
    return new Adapted(trainer, AdapterSet.of("test adapter", tensors, lora.alpha(), false));
  }

  /**
   * Prefill of {@code TOKENS[0, PREFILL)} then one decode step per remaining token, comparing the
   * logits of both models after each call.
   */
  private static void assertSameLogits(LanguageModel actual, LanguageModel expected) {
    KvCache ca = actual.newCache(TOKENS.length);
    KvCache ce = expected.newCache(TOKENS.length);
    float[] la = new float[actual.vocabularySize()];
    float[] le = new float[expected.vocabularySize()];
    actual.forward(TOKENS, 0, PREFILL, ca, la);
    expected.forward(TOKENS, 0, PREFILL, ce, le);
    assertClose(la, le, "prefill");
    for (int i = PREFILL; i < TOKENS.length; i++) {
      actual.forward(TOKENS, i, 1, ca, la);
      expected.forward(TOKENS, i, 1, ce, le);
      assertClose(la, le, "decode position " + i);
    }
  }

  private static void assertClose(float[] a, float[] e, String where) {
    float scale = 1f;
    for (float v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      assertThat(Math.abs(a[i] - e[i]))
          .as("%s, logit %d: %s vs merged %s", where, i, a[i], e[i])
          .isLessThanOrEqualTo(2e-5f * scale);
    }
  }

  @Test
  void llamaWithGqaMatchesTheMergedModel() {
    LlamaConfig c = TinyModels.config("llama");
    assertThat(c.kvHeads()).isLessThan(c.heads());
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 11));
    Adapted a = adapted(base, c, LoraConfig.of(4, 8, 0), 5);
    LlamaModel merged = new LlamaModel(c, ((LlamaTrainer) a.trainer()).mergedWeights());
    assertSameLogits(base.withAdapters(a.set()), merged);
  }

  @Test
  void qwen2WithBiasesAndSomeTargetsMatchesTheMergedModel() {
    LlamaConfig c = TinyModels.config("qwen2");
    assertThat(c.attentionBias()).isTrue();
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 12));
    LoraConfig lora = new LoraConfig(3, 6, 0, Set.of("q_proj", "v_proj", "o_proj", "down_proj"));
    Adapted a = adapted(base, c, lora, 6);
    assertThat(a.set().modules()).hasSize(4 * c.layers());
    LlamaModel merged = new LlamaModel(c, ((LlamaTrainer) a.trainer()).mergedWeights());
    assertSameLogits(base.withAdapters(a.set()), merged);
  }

  @Test
  void gpt2MatchesTheMergedModel() {
    Gpt2Config c = TinyModels.gpt2Config();
    Gpt2Model base = new Gpt2Model(c, TinyModels.gpt2(c, 13));
    Adapted a = adapted(base, c, LoraConfig.of(4, 8, 0), 7);
    Gpt2Model merged = new Gpt2Model(c, ((Gpt2Trainer) a.trainer()).mergedWeights());
    assertSameLogits(base.withAdapters(a.set()), merged);
  }

  @Test
  void twoAdaptersOnOneBaseDifferAndLeaveTheBaseBitIdentical() {
    LlamaConfig c = TinyModels.config("llama");
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 14));
    float[] before = TinyModels.logits(base);
    AdapterSet first = adapted(base, c, LoraConfig.of(4, 8, 0), 1).set();
    AdapterSet second = adapted(base, c, LoraConfig.of(2, 4, 0), 2).set();
    LlamaModel one = base.withAdapters(first);
    LlamaModel two = base.withAdapters(second);
    float[] l1 = TinyModels.logits(one);
    float[] l2 = TinyModels.logits(two);
    assertThat(l1).isNotEqualTo(l2).isNotEqualTo(before);
    assertThat(TinyModels.logits(base)).containsExactly(before);
    // a view replaces, not stacks: the second view of the first is the second
    assertThat(TinyModels.logits(one.withAdapters(second))).containsExactly(l2);
    assertThat(one.weightBytes()).isEqualTo(base.weightBytes());
    int r = 4;
    int d = c.dim();
    int f = c.hiddenDim();
    int q = c.queryDim();
    int kv = c.kvDim();
    // A (r, in), B (out, r) and the Bᵀ the decode reads: r (in + 2 out) per module
    long perLayer =
        (d + 2L * q) + 2L * (d + 2L * kv) + (q + 2L * d) + 2L * (d + 2L * f) + (f + 2L * d);
    assertThat(first.bytes()).isEqualTo(4L * r * perLayer * c.layers());
    assertThatThrownBy(one::weights)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("LoRA adapters");
  }

  @Test
  void rsLoraScalesByTheSquareRootOfTheRank() {
    LlamaConfig c = TinyModels.config("mistral");
    LlamaModel base = new LlamaModel(c, TinyModels.llama(c, 15));
    // trainer scale alpha / r = 8 / 4 = 2 equals rsLoRA's 4 / √4
    Adapted a = adapted(base, c, LoraConfig.of(4, 8, 0), 8);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : a.trainer().trainableParameters()) {
      tensors.put(
          p.name(),
          new SafetensorsWriter.Tensor(new long[] {p.shape()[0], p.shape()[1]}, p.value()));
    }
    AdapterSet rs = AdapterSet.of("rs", tensors, 4, true);
    LlamaModel merged = new LlamaModel(c, ((LlamaTrainer) a.trainer()).mergedWeights());
    assertSameLogits(base.withAdapters(rs), merged);
  }

  @Test
  void overBf16WeightsAnAdapterComputesWhatItComputesOverTheRoundedF32Weights() {
    LlamaConfig c = TinyModels.config("qwen2");
    LlamaWeights w = TinyModels.llama(c, 16);
    LlamaModel bf16 = new LlamaModel(c, w, DType.BF16);
    LlamaModel rounded = new LlamaModel(c, HeldWeightsTest.roundMatrices(w));
    AdapterSet set = adapted(rounded, c, LoraConfig.of(4, 8, 0), 9).set();
    float[] expected = TinyModels.logits(rounded.withAdapters(set));
    assertClose(TinyModels.logits(bf16.withAdapters(set)), expected, "bf16 base");
    assertThat(expected).isNotEqualTo(TinyModels.logits(rounded));
  }
}
