package dev.lathe.transformer;

import dev.lathe.tensor.Embedding;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.Residual;
import dev.lathe.tensor.RmsNorm;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.SwiGlu;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2/2.5, Qwen3, SmolLM, llama2.c), read top to bottom:
 * embedding, then per block {@code x += attention(rmsnorm(x))} and {@code x += swiglu(rmsnorm(x))},
 * then a final RMSNorm and the output head.
 *
 * <p>Prompts are processed in chunks of at most {@link #CHUNK} positions; the activations of one
 * chunk live in an arena held by the {@link KvCache}, allocated once with the cache.
 *
 * <p>The model is immutable and may be shared by threads; a cache (and so a sequence) must be used
 * by one thread at a time.
 */
public final class LlamaModel implements LanguageModel {

  /** Most positions processed together in one pass over the weights. */
  static final int CHUNK = 32;

  private final LlamaConfig config;
  private final LlamaWeights weights;
  private final Rope.Table rope;

  public LlamaModel(LlamaConfig config, LlamaWeights weights) {
    weights.checkShapes(config);
    this.config = config;
    this.weights = weights;
    this.rope =
        Rope.Table.of(
            config.headDim(), config.contextLength(), config.ropeTheta(), config.ropeScaling());
  }

  public LlamaConfig config() {
    return config;
  }

  public LlamaWeights weights() {
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
    Activations a = new Activations(config, Math.min(CHUNK, capacity), capacity);
    return new AttentionCache<>(
        this, config.layers(), config.kvHeads(), config.headDim(), capacity, a);
  }

  /** One chunk's activations, sized once per cache. */
  static final class Activations {
    final float[] x; // (T, C) residual stream
    final float[] xb; // (T, C) normalised input of a sub-block
    final float[] proj; // (T, C) output of o or down projection
    final float[] q; // (T, H, hd)
    final float[] k; // (T, KVH, hd)
    final float[] v; // (T, KVH, hd)
    final float[] att; // (T, H, hd) attention output
    final float[] gate; // (T, F)
    final float[] up; // (T, F)
    final float[] scores; // (H/KVH, capacity)

    Activations(LlamaConfig c, int t, int capacity) {
      x = new float[t * c.dim()];
      xb = new float[t * c.dim()];
      proj = new float[t * c.dim()];
      q = new float[t * c.queryDim()];
      k = new float[t * c.kvDim()];
      v = new float[t * c.kvDim()];
      att = new float[t * c.queryDim()];
      gate = new float[t * c.hiddenDim()];
      up = new float[t * c.hiddenDim()];
      scores = new float[(c.heads() / c.kvHeads()) * capacity];
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
    int chunk = a.x.length / config.dim();
    int t = 0;
    for (int done = 0; done < count; done += t) {
      t = Math.min(chunk, count - done);
      forwardChunk(tokens, offset + done, t, cache, a);
    }
    // logits: (V) = rmsnorm(x[last]) · classifierᵀ
    int c = config.dim();
    RmsNorm.forward(a.xb, 0, a.x, (t - 1) * c, weights.finalNorm(), null, 1, c, config.normEps());
    Gemm.mulNT(a.xb, 0, weights.classifier(), 0, logits, 0, 1, config.vocabSize(), c, false);
  }

  private void forwardChunk(
      int[] tokens, int offset, int t, AttentionCache<Activations> cache, Activations a) {
    LlamaConfig cf = config;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    int pos0 = cache.length();
    Embedding.forward(a.x, tokens, offset, t, weights.tokenEmbedding(), null, 0, c);
    for (int l = 0; l < cf.layers(); l++) {
      LlamaWeights.Layer w = weights.layers().get(l);
      // attention block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.attnNorm(), null, t, c, cf.normEps());
      Linear.forward(a.q, a.xb, w.wq(), w.bq(), t, c, qd);
      Linear.forward(a.k, a.xb, w.wk(), w.bk(), t, c, kvd);
      Linear.forward(a.v, a.xb, w.wv(), w.bv(), t, c, kvd);
      if (cf.qkNorm()) {
        RmsNorm.forward(
            a.q, 0, a.q, 0, w.qNorm(), null, t * cf.heads(), cf.headDim(), cf.normEps());
        RmsNorm.forward(
            a.k, 0, a.k, 0, w.kNorm(), null, t * cf.kvHeads(), cf.headDim(), cf.normEps());
      }
      for (int i = 0; i < t; i++) {
        Rope.forward(cf.ropeStyle(), a.q, i * qd, cf.heads(), rope, pos0 + i);
        Rope.forward(cf.ropeStyle(), a.k, i * kvd, cf.kvHeads(), rope, pos0 + i);
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
          cf.kvHeads(),
          cf.headDim(),
          cache.capacity,
          a.scores);
      Linear.forward(a.proj, a.att, w.wo(), w.bo(), t, qd, c);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
      // feed-forward block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.ffnNorm(), null, t, c, cf.normEps());
      Linear.forward(a.gate, a.xb, w.wGate(), null, t, c, f);
      Linear.forward(a.up, a.xb, w.wUp(), null, t, c, f);
      SwiGlu.forward(a.gate, a.gate, a.up, t * f);
      Linear.forward(a.proj, a.gate, w.wDown(), null, t, f, c);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
    }
    cache.advance(t);
  }
}
