package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tiny models with seeded random weights, one per family, for round-trip and reference tests (the
 * training tests build theirs here too, with their own scales).
 */
public final class TinyModels {
  private TinyModels() {}

  /**
   * A Llama-family config of the given flavour: llama (llama3 RoPE scaling), mistral, qwen2, qwen3.
   */
  static LlamaConfig config(String type) {
    boolean qwen3 = type.equals("qwen3");
    return new LlamaConfig(
        32,
        48,
        2,
        4,
        2,
        qwen3 ? 16 : 8, // Qwen3: head_dim set explicitly, not dim / heads
        61,
        64,
        1e-6f,
        type.startsWith("qwen") ? 1_000_000 : 10_000,
        type.equals("llama") ? new RopeScaling("llama3", 8, 1, 4, 16) : RopeScaling.NONE,
        Rope.Style.ROTATE_HALF,
        type.equals("qwen2") || qwen3,
        qwen3, // Qwen3 here with attention_bias: q/k/v/o biases
        qwen3,
        !type.equals("mistral"));
  }

  static LlamaWeights llama(LlamaConfig c, long seed) {
    return llama(c, seed, 0.3f, 0.5f);
  }

  /**
   * Llama-family weights drawn uniformly: matrices in ±{@code weightScale}, biases in ±{@code
   * biasScale}, the embedding in ±1 and norms around 1.
   */
  public static LlamaWeights llama(LlamaConfig c, long seed, float weightScale, float biasScale) {
    SplittableRandom r = new SplittableRandom(seed);
    int C = c.dim();
    int F = c.hiddenDim();
    int q = c.queryDim();
    int kv = c.kvDim();
    float[] embedding = random(r, c.vocabSize() * C, 1f);
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      boolean b = c.attentionBias();
      boolean n = c.qkNorm();
      layers.add(
          new LlamaWeights.Layer<>(
              norm(r, C),
              random(r, q * C, weightScale),
              random(r, kv * C, weightScale),
              random(r, kv * C, weightScale),
              random(r, C * q, weightScale),
              b ? random(r, q, biasScale) : null,
              b ? random(r, kv, biasScale) : null,
              b ? random(r, kv, biasScale) : null,
              c.outputBias() ? random(r, C, biasScale) : null,
              n ? norm(r, c.headDim()) : null,
              n ? norm(r, c.headDim()) : null,
              norm(r, C),
              random(r, F * C, weightScale),
              random(r, F * C, weightScale),
              random(r, C * F, weightScale)));
    }
    float[] head = c.tiedEmbeddings() ? embedding : random(r, c.vocabSize() * C, weightScale);
    return new LlamaWeights(embedding, layers, norm(r, C), head);
  }

  static Gpt2Config gpt2Config() {
    return new Gpt2Config(32, 128, 2, 4, 61, 64, 1e-5f);
  }

  static Gpt2Weights gpt2(Gpt2Config c, long seed) {
    return gpt2(c, seed, 0.3f, 0.2f);
  }

  /**
   * GPT-2 weights drawn uniformly: attention and MLP input matrices in ±{@code weightScale}, the
   * MLP output projection in ±{@code mlpProjScale}, biases small, norms around 1.
   */
  public static Gpt2Weights gpt2(Gpt2Config c, long seed, float weightScale, float mlpProjScale) {
    SplittableRandom r = new SplittableRandom(seed);
    int C = c.dim();
    int F = c.hiddenDim();
    List<Gpt2Weights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      layers.add(
          new Gpt2Weights.Layer<>(
              norm(r, C),
              random(r, C, 0.1f),
              random(r, 3 * C * C, weightScale),
              random(r, 3 * C, 0.3f),
              random(r, C * C, weightScale),
              random(r, C, 0.1f),
              norm(r, C),
              random(r, C, 0.1f),
              random(r, F * C, weightScale),
              random(r, F, 0.3f),
              random(r, C * F, mlpProjScale),
              random(r, C, 0.1f)));
    }
    return new Gpt2Weights(
        random(r, c.vocabSize() * C, 1f),
        random(r, c.contextLength() * C, 0.3f),
        layers,
        norm(r, C),
        random(r, C, 0.1f));
  }

  static final int[] PROMPT = {3, 17, 42, 5, 60, 0, 29, 11, 8};

  /** Last-position logits of {@code PROMPT}. */
  static float[] logits(LanguageModel m) {
    float[] out = new float[m.vocabularySize()];
    m.forward(PROMPT, 0, PROMPT.length, m.newCache(PROMPT.length), out);
    return out;
  }

  /** n values uniform in ±scale. */
  public static float[] random(SplittableRandom r, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
    }
    return a;
  }

  private static float[] norm(SplittableRandom r, int n) {
    float[] a = random(r, n, 0.2f);
    for (int i = 0; i < n; i++) {
      a[i] += 1f;
    }
    return a;
  }
}
