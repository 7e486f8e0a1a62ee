package dev.lathe.transformer;

import dev.lathe.tensor.Embedding;
import dev.lathe.tensor.Gelu;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.LayerNorm;
import dev.lathe.tensor.Residual;

/**
 * GPT-2, read top to bottom: token plus learned position embedding, then per block {@code x +=
 * attention(layernorm(x))} and {@code x += mlp(layernorm(x))} with a GELU MLP, then a final
 * LayerNorm and the tied output head.
 *
 * <p>Prompts are processed in chunks of at most {@link LlamaModel#CHUNK} positions, with an
 * activation arena allocated once per {@link KvCache}.
 *
 * <p>The model is immutable and may be shared by threads; a cache (and so a sequence) must be used
 * by one thread at a time.
 */
public final class Gpt2Model implements LanguageModel {
  private final Gpt2Config config;
  private final Gpt2Weights weights;

  public Gpt2Model(Gpt2Config config, Gpt2Weights weights) {
    weights.checkShapes(config);
    this.config = config;
    this.weights = weights;
  }

  public Gpt2Config config() {
    return config;
  }

  public Gpt2Weights weights() {
    return weights;
  }

  @Override
  public int vocabularySize() {
    return config.vocabSize();
  }

  @Override
  public int contextLength() {
    return config.contextLength();
  }

  @Override
  public KvCache newCache(int capacity) {
    if (capacity < 1 || capacity > config.contextLength()) {
      throw new IllegalArgumentException(
          "cache capacity must be in [1, " + config.contextLength() + "], got " + capacity);
    }
    Activations a = new Activations(config, Math.min(LlamaModel.CHUNK, capacity), capacity);
    return new AttentionCache<>(
        this, config.layers(), config.heads(), config.headDim(), capacity, a);
  }

  /** One chunk's activations, sized once per cache. */
  static final class Activations {
    final float[] x; // (T, C) residual stream
    final float[] xb; // (T, C) LayerNorm output
    final float[] qkv; // (T, 3C)
    final float[] q; // (T, H, hd)
    final float[] k; // (T, H, hd)
    final float[] v; // (T, H, hd)
    final float[] att; // (T, H, hd)
    final float[] proj; // (T, C)
    final float[] fc; // (T, F)
    final float[] scores; // (capacity)

    Activations(Gpt2Config c, int t, int capacity) {
      int C = c.dim();
      x = new float[t * C];
      xb = new float[t * C];
      qkv = new float[t * 3 * C];
      q = new float[t * C];
      k = new float[t * C];
      v = new float[t * C];
      att = new float[t * C];
      proj = new float[t * C];
      fc = new float[t * c.hiddenDim()];
      scores = new float[capacity];
    }
  }

  @Override
  public void forward(int[] tokens, int offset, int count, KvCache kv, float[] logits) {
    AttentionCache<Activations> cache = AttentionCache.of(kv, this, count);
    if (logits.length < config.vocabSize()) {
      throw new IllegalArgumentException(
          "logits array holds " + logits.length + ", needs " + config.vocabSize());
    }
    Activations a = cache.arena;
    int c = config.dim();
    int chunk = a.x.length / c;
    int t = 0;
    for (int done = 0; done < count; done += t) {
      t = Math.min(chunk, count - done);
      forwardChunk(tokens, offset + done, t, cache, a);
    }
    // logits: (V) = layernorm(x[last]) · wteᵀ
    LayerNorm.forward(
        a.xb,
        0,
        a.x,
        (t - 1) * c,
        weights.lnfWeight(),
        weights.lnfBias(),
        null,
        null,
        1,
        c,
        config.normEps());
    Gemm.mulNT(a.xb, 0, weights.wte(), 0, logits, 0, 1, config.vocabSize(), c, false);
  }

  private void forwardChunk(
      int[] tokens, int offset, int t, AttentionCache<Activations> cache, Activations a) {
    Gpt2Config cf = config;
    int c = cf.dim();
    int f = cf.hiddenDim();
    float eps = cf.normEps();
    int pos0 = cache.length();
    Embedding.forward(a.x, tokens, offset, t, weights.wte(), weights.wpe(), pos0, c);
    for (int l = 0; l < cf.layers(); l++) {
      Gpt2Weights.Layer w = weights.layers().get(l);
      // attention block
      LayerNorm.forward(a.xb, 0, a.x, 0, w.ln1Weight(), w.ln1Bias(), null, null, t, c, eps);
      Linear.forward(a.qkv, a.xb, w.wQkv(), w.bQkv(), t, c, 3 * c);
      for (int i = 0; i < t; i++) { // qkv: (T, 3, C) -> q, k, v: (T, C)
        System.arraycopy(a.qkv, i * 3 * c, a.q, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + c, a.k, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + 2 * c, a.v, i * c, c);
      }
      cache.store(l, a.k, a.v, t, pos0);
      CausalAttention.forward(
          a.att,
          a.q,
          cache.keys[l],
          cache.values[l],
          t,
          pos0,
          cf.heads(),
          cf.heads(),
          cf.headDim(),
          cache.capacity,
          a.scores);
      Linear.forward(a.proj, a.att, w.wProj(), w.bProj(), t, c, c);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
      // MLP block
      LayerNorm.forward(a.xb, 0, a.x, 0, w.ln2Weight(), w.ln2Bias(), null, null, t, c, eps);
      Linear.forward(a.fc, a.xb, w.wFc(), w.bFc(), t, c, f);
      Gelu.forward(a.fc, a.fc, t * f);
      Linear.forward(a.proj, a.fc, w.wFcProj(), w.bFcProj(), t, f, c);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
    }
    cache.advance(t);
  }
}
