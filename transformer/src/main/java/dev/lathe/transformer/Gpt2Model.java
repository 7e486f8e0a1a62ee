package dev.lathe.transformer;

import dev.lathe.tensor.Gelu;
import dev.lathe.tensor.LayerNorm;
import dev.lathe.tensor.Residual;
import java.util.List;

/**
 * GPT-2, read top to bottom: token plus learned position embedding, then per block {@code x +=
 * attention(layernorm(x))} and {@code x += mlp(layernorm(x))} with a GELU MLP, then a final
 * LayerNorm and the tied output head.
 *
 * <p>Prompts are processed in chunks of at most {@link DecoderModel#CHUNK} positions, with an
 * activation arena allocated once per {@link KvCache}.
 *
 * <p>The matmul weights (projections and the tied wte table) are held in f32, bf16, Q8_0 or Q4_0
 * ({@link #weightDtype()}); position embeddings, LayerNorm weights and biases stay f32.
 *
 * <p>The model is immutable and may be shared by threads; a cache (and so a sequence) must be used
 * by one thread at a time.
 */
public final class Gpt2Model
    extends DecoderModel<
        Gpt2Config, Gpt2Weights, Gpt2Model.Held, Gpt2Model.BlockLora, Gpt2Model.Activations> {
  /** One block's adapters (each null when that projection has none), see {@link AdapterSet}. */
  record BlockLora(
      AdapterSet.Delta attn, AdapterSet.Delta proj, AdapterSet.Delta fc, AdapterSet.Delta fcProj) {}

  /** Takes block {@code l}'s adapters from {@code bind}, each with its projection's shape. */
  @Override
  BlockLora bindBlock(AdapterSet.Binder bind, int l) {
    int c = config.dim();
    int f = config.hiddenDim();
    return new BlockLora(
        bind.take(LoraModules.gpt2(l, "c_attn"), c, 3 * c),
        bind.take(LoraModules.gpt2(l, "attn.c_proj"), c, c),
        bind.take(LoraModules.gpt2(l, "c_fc"), c, f),
        bind.take(LoraModules.gpt2(l, "mlp.c_proj"), f, c));
  }

  /**
   * The weights as the model holds them, shared by every view: matmul weights as {@link
   * WeightMatrix} (f32 or bf16), position embeddings, LayerNorms and biases f32.
   *
   * @param wte (V, C), also the output head
   * @param wpe (maxT, C)
   * @param blocks one per layer
   */
  record Held(
      WeightMatrix wte,
      float[] wpe,
      float[] lnfWeight,
      float[] lnfBias,
      List<Gpt2Weights.Layer<WeightMatrix>> blocks) {

    static Held of(Gpt2Config config, Gpt2Weights weights, DType dtype) {
      weights.checkShapes(config);
      return new Held(
          WeightMatrix.of(weights.wte(), config.vocabSize(), config.dim(), dtype),
          weights.wpe(),
          weights.lnfWeight(),
          weights.lnfBias(),
          weights.layers().stream()
              .map(l -> l.map(config, (w, rows, cols) -> WeightMatrix.of(w, rows, cols, dtype)))
              .toList());
    }
  }

  /** A model holding {@code weights} as they are, in f32. */
  public Gpt2Model(Gpt2Config config, Gpt2Weights weights) {
    this(config, weights, DType.F32);
  }

  /** A model holding the matmul weights of {@code weights} as {@code dtype} (F32 or BF16). */
  public Gpt2Model(Gpt2Config config, Gpt2Weights weights, DType dtype) {
    super("GPT-2", config, weights, dtype, Held.of(config, weights, dtype), Activations::new);
  }

  /** A view of {@code base} sharing all its arrays, with {@code adapters} applied. */
  private Gpt2Model(Gpt2Model base, AdapterSet adapters) {
    super(base, adapters);
  }

  /**
   * A view with {@code adapters} over this model's weights (replacing the adapters of a view): see
   * {@link LanguageModel#withAdapters}.
   */
  @Override
  public Gpt2Model withAdapters(AdapterSet adapters) {
    return new Gpt2Model(this, adapters);
  }

  /** A view of {@code base} sharing all its arrays and adapters, its caches holding {@code kv}. */
  private Gpt2Model(Gpt2Model base, KvDtype kv) {
    super(base, kv);
  }

  @Override
  public Gpt2Model withKvDtype(KvDtype kv) {
    return kv == kvDtype() ? this : new Gpt2Model(this, kv);
  }

  @Override
  Gpt2Weights widened() {
    List<Gpt2Weights.Layer<float[]>> layers =
        held.blocks().stream().map(b -> b.map(config, (m, rows, cols) -> m.toF32())).toList();
    return new Gpt2Weights(
        held.wte().toF32(), held.wpe(), layers, held.lnfWeight(), held.lnfBias());
  }

  /** Element type of the matmul weights held in memory (F32, BF16, Q8_0 or Q4_0). */
  public DType weightDtype() {
    return held.wte().dtype();
  }

  /** Bytes of every base weight array held (a view shares them; see {@link AdapterSet#bytes()}). */
  public long weightBytes() {
    long n =
        held.wte().bytes()
            + 4L * (held.wpe().length + held.lnfWeight().length + held.lnfBias().length);
    for (Gpt2Weights.Layer<WeightMatrix> b : held.blocks()) {
      n += b.wQkv().bytes() + b.wProj().bytes() + b.wFc().bytes() + b.wFcProj().bytes();
      n +=
          4L
              * (b.ln1Weight().length
                  + b.ln1Bias().length
                  + b.bQkv().length
                  + b.bProj().length
                  + b.ln2Weight().length
                  + b.ln2Bias().length
                  + b.bFc().length
                  + b.bFcProj().length);
    }
    return n;
  }

  /** One chunk's activations: the shared ones and the feed-forward's, sized once per cache. */
  static final class Activations extends ChunkActivations {
    final float[] qkv; // (T, 3C)
    final float[] fc; // (T, F)

    Activations(Gpt2Config c, int t, int capacity, int loraRank) {
      super(c, t, capacity, loraRank);
      qkv = new float[t * 3 * c.dim()];
      fc = new float[t * c.hiddenDim()];
    }
  }

  @Override
  void logits(Activations a, int row, float[] logits) {
    // logits: (V) = layernorm(x[row]) · wteᵀ
    int c = config.dim();
    LayerNorm.forward(
        a.xb,
        0,
        a.x,
        row * c,
        held.lnfWeight(),
        held.lnfBias(),
        null,
        null,
        1,
        c,
        config.normEps());
    held.wte().mulNT(a.xb, 0, logits, 0, 1);
  }

  @Override
  void forwardChunk(
      int[] tokens, int offset, int t, AttentionCache<Activations> cache, Activations a) {
    Gpt2Config cf = config;
    int c = cf.dim();
    int f = cf.hiddenDim();
    float eps = cf.normEps();
    int pos0 = cache.length();
    // x: (T, C) = wte[tokens] + wpe[pos0 ..]
    held.wte().embed(a.x, tokens, offset, t);
    for (int i = 0; i < t * c; i++) {
      a.x[i] += held.wpe()[pos0 * c + i];
    }
    for (int l = 0; l < cf.layers(); l++) {
      Gpt2Weights.Layer<WeightMatrix> w = held.blocks().get(l);
      BlockLora d = lora(l);
      // attention block
      LayerNorm.forward(a.xb, 0, a.x, 0, w.ln1Weight(), w.ln1Bias(), null, null, t, c, eps);
      Linear.forward(a.qkv, a.xb, w.wQkv(), w.bQkv(), t);
      if (d != null) {
        AdapterSet.add(d.attn(), a.qkv, a.xb, t, a.lora);
      }
      for (int i = 0; i < t; i++) { // qkv: (T, 3, C) -> q, k, v: (T, C)
        System.arraycopy(a.qkv, i * 3 * c, a.q, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + c, a.k, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + 2 * c, a.v, i * c, c);
      }
      attend(cache, a, l, t, pos0);
      Linear.forward(a.proj, a.att, w.wProj(), w.bProj(), t);
      if (d != null) {
        AdapterSet.add(d.proj(), a.proj, a.att, t, a.lora);
      }
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
      // MLP block
      LayerNorm.forward(a.xb, 0, a.x, 0, w.ln2Weight(), w.ln2Bias(), null, null, t, c, eps);
      Linear.forward(a.fc, a.xb, w.wFc(), w.bFc(), t);
      if (d != null) {
        AdapterSet.add(d.fc(), a.fc, a.xb, t, a.lora);
      }
      Gelu.forward(a.fc, a.fc, t * f);
      Linear.forward(a.proj, a.fc, w.wFcProj(), w.bFcProj(), t);
      if (d != null) {
        AdapterSet.add(d.fcProj(), a.proj, a.fc, t, a.lora);
      }
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
    }
    cache.advance(t);
  }
}
