package dev.lathe.transformer;

import dev.lathe.tensor.Residual;
import dev.lathe.tensor.RmsNorm;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.SwiGlu;
import java.util.List;

/**
 * A Llama-family decoder (Llama, Mistral, Qwen2/2.5, Qwen3, SmolLM, llama2.c), read top to bottom:
 * embedding, then per block {@code x += attention(rmsnorm(x))} and {@code x += swiglu(rmsnorm(x))},
 * then a final RMSNorm and the output head.
 *
 * <p>Prompts are processed in chunks of at most {@link #CHUNK} positions, each chunk one batched
 * matmul per projection; the activations of one chunk live in an arena held by the {@link KvCache},
 * allocated once with the cache.
 *
 * <p>The matmul weights (projections and the embedding/classifier table) are held in f32, bf16,
 * Q8_0 or Q4_0 ({@link #weightDtype()}); norm weights and biases stay f32.
 *
 * <p>The model is immutable and may be shared by threads; a cache (and so a sequence) must be used
 * by one thread at a time.
 */
public final class LlamaModel
    extends DecoderModel<
        LlamaConfig, LlamaWeights, LlamaModel.Held, LlamaModel.BlockLora, LlamaModel.Activations> {

  /** One block's adapters (each null when that projection has none), see {@link AdapterSet}. */
  record BlockLora(
      AdapterSet.Delta q,
      AdapterSet.Delta k,
      AdapterSet.Delta v,
      AdapterSet.Delta o,
      AdapterSet.Delta gate,
      AdapterSet.Delta up,
      AdapterSet.Delta down) {}

  /** Takes block {@code l}'s adapters from {@code bind}, each with its projection's shape. */
  @Override
  BlockLora bindBlock(AdapterSet.Binder bind, int l) {
    LlamaConfig c = config;
    int d = c.dim();
    int f = c.hiddenDim();
    int q = c.queryDim();
    int kv = c.kvDim();
    return new BlockLora(
        bind.take(LoraModules.llama(l, "q_proj"), d, q),
        bind.take(LoraModules.llama(l, "k_proj"), d, kv),
        bind.take(LoraModules.llama(l, "v_proj"), d, kv),
        bind.take(LoraModules.llama(l, "o_proj"), q, d),
        bind.take(LoraModules.llama(l, "gate_proj"), d, f),
        bind.take(LoraModules.llama(l, "up_proj"), d, f),
        bind.take(LoraModules.llama(l, "down_proj"), f, d));
  }

  /**
   * The weights as the model holds them, shared by every view: matmul weights as {@link
   * WeightMatrix} (f32 or bf16), norms and biases f32, and the RoPE table.
   *
   * @param tokenEmbedding (V, C)
   * @param classifier (V, C), the same object as tokenEmbedding when tied
   * @param finalNorm (C)
   * @param blocks one per layer
   */
  record Held(
      WeightMatrix tokenEmbedding,
      WeightMatrix classifier,
      float[] finalNorm,
      List<LlamaWeights.Layer<WeightMatrix>> blocks,
      Rope.Table rope) {

    static Held of(LlamaConfig config, LlamaWeights weights, DType dtype) {
      weights.checkShapes(config);
      int v = config.vocabSize();
      int c = config.dim();
      WeightMatrix embedding = WeightMatrix.of(weights.tokenEmbedding(), v, c, dtype);
      return new Held(
          embedding,
          weights.classifier() == weights.tokenEmbedding()
              ? embedding
              : WeightMatrix.of(weights.classifier(), v, c, dtype),
          weights.finalNorm(),
          weights.layers().stream()
              .map(l -> l.map(config, (w, rows, cols) -> WeightMatrix.of(w, rows, cols, dtype)))
              .toList(),
          Rope.Table.of(
              config.headDim(), config.contextLength(), config.ropeTheta(), config.ropeScaling()));
    }
  }

  /** A model holding {@code weights} as they are, in f32. */
  public LlamaModel(LlamaConfig config, LlamaWeights weights) {
    this(config, weights, DType.F32);
  }

  /**
   * A model holding the matmul weights of {@code weights} as {@code dtype} (F32 keeps the arrays,
   * BF16 rounds them to nearest even and keeps only the bf16 copy).
   */
  public LlamaModel(LlamaConfig config, LlamaWeights weights, DType dtype) {
    super(
        "Llama-family", config, weights, dtype, Held.of(config, weights, dtype), Activations::new);
  }

  /** A model holding {@code held} as it is (its matrices in {@code dtype}, not F32). */
  private LlamaModel(LlamaConfig config, Held held, DType dtype) {
    super("Llama-family", config, null, dtype, held, Activations::new);
  }

  /**
   * A model holding the matrices of {@code parts} as they are, read as the model holds them for
   * {@code dtype} (BF16, Q8_0 or Q4_0).
   */
  static LlamaModel held(
      LlamaConfig config, LlamaTensorNames.Parts<WeightMatrix> parts, DType dtype) {
    if (dtype == DType.F32) {
      throw new IllegalArgumentException("an f32 model is built from its LlamaWeights");
    }
    return new LlamaModel(
        config,
        new Held(
            parts.embedding(),
            parts.head(),
            parts.finalNorm(),
            parts.layers(),
            Rope.Table.of(
                config.headDim(),
                config.contextLength(),
                config.ropeTheta(),
                config.ropeScaling())),
        dtype);
  }

  /** A view of {@code base} sharing all its arrays, with {@code adapters} applied. */
  private LlamaModel(LlamaModel base, AdapterSet adapters) {
    super(base, adapters);
  }

  /**
   * A view with {@code adapters} over this model's weights (replacing the adapters of a view): see
   * {@link LanguageModel#withAdapters}.
   */
  @Override
  public LlamaModel withAdapters(AdapterSet adapters) {
    return new LlamaModel(this, adapters);
  }

  /** A view of {@code base} sharing all its arrays and adapters, its caches holding {@code kv}. */
  private LlamaModel(LlamaModel base, KvDtype kv) {
    super(base, kv);
  }

  @Override
  public LlamaModel withKvDtype(KvDtype kv) {
    return kv == kvDtype() ? this : new LlamaModel(this, kv);
  }

  @Override
  LlamaWeights widened() {
    List<LlamaWeights.Layer<float[]>> layers =
        held.blocks().stream().map(b -> b.map(config, (m, rows, cols) -> m.toF32())).toList();
    float[] embedding = held.tokenEmbedding().toF32();
    float[] head =
        held.classifier() == held.tokenEmbedding() ? embedding : held.classifier().toF32();
    return new LlamaWeights(embedding, layers, held.finalNorm(), head);
  }

  /**
   * The weights as held in bf16, shared and not copied: what LoRA training reads from a frozen base
   * without widening it to f32.
   *
   * @param tokenEmbedding (V, C) bf16
   * @param classifier (V, C) bf16, the same array as tokenEmbedding when tied
   * @param finalNorm (C) f32
   * @param layers each block's projections in bf16, its norms and biases in f32
   */
  public record Bf16Weights(
      short[] tokenEmbedding,
      short[] classifier,
      float[] finalNorm,
      List<LlamaWeights.Layer<short[]>> layers) {}

  /**
   * The weights this model holds in bf16 ({@link Bf16Weights}).
   *
   * @throws IllegalStateException when they are not held in bf16 ({@link #weightDtype()})
   */
  public Bf16Weights bf16Weights() {
    if (weightDtype() != DType.BF16) {
      throw new IllegalStateException(
          "this model holds its weights in " + weightDtype() + ", not BF16");
    }
    short[] embedding = held.tokenEmbedding().bf16();
    return new Bf16Weights(
        embedding,
        held.classifier() == held.tokenEmbedding() ? embedding : held.classifier().bf16(),
        held.finalNorm(),
        held.blocks().stream().map(b -> b.map(config, (m, rows, cols) -> m.bf16())).toList());
  }

  /**
   * Whether the matmul weights are read straight from a mapped checkpoint (bf16 stored as BF16,
   * loaded with {@link LoadOptions#mapWeights()}) rather than held on the heap.
   */
  public boolean weightsMapped() {
    return held.tokenEmbedding().isMapped();
  }

  /** Element type of the matmul weights held in memory (F32, BF16, Q8_0 or Q4_0). */
  public DType weightDtype() {
    return held.tokenEmbedding().dtype();
  }

  /**
   * Bytes of every base weight array held (a tied embedding/classifier table counted once); a view
   * shares them, its adapters are {@link AdapterSet#bytes()}.
   */
  public long weightBytes() {
    long n =
        held.tokenEmbedding().bytes()
            + (held.classifier() == held.tokenEmbedding() ? 0 : held.classifier().bytes());
    n += 4L * held.finalNorm().length;
    for (LlamaWeights.Layer<WeightMatrix> b : held.blocks()) {
      n += b.wq().bytes() + b.wk().bytes() + b.wv().bytes() + b.wo().bytes();
      n += b.wGate().bytes() + b.wUp().bytes() + b.wDown().bytes();
      n += 4L * (b.attnNorm().length + b.ffnNorm().length);
      for (float[] o : new float[][] {b.bq(), b.bk(), b.bv(), b.bo(), b.qNorm(), b.kNorm()}) {
        n += o == null ? 0 : 4L * o.length;
      }
    }
    return n;
  }

  /**
   * Bytes of weights one decode step reads: every block's arrays, the final norm and the whole
   * classifier, plus one embedding row.
   */
  public long weightBytesPerToken() {
    long row = held.tokenEmbedding().bytes() / config.vocabSize();
    return weightBytes() - held.tokenEmbedding().bytes() + row + held.classifier().bytes();
  }

  /** One chunk's activations: the shared ones and the feed-forward's, sized once per cache. */
  static final class Activations extends ChunkActivations {
    final float[] gate; // (T, F)
    final float[] up; // (T, F)

    Activations(LlamaConfig c, int t, int capacity, int loraRank) {
      super(c, t, capacity, loraRank);
      gate = new float[t * c.hiddenDim()];
      up = new float[t * c.hiddenDim()];
    }
  }

  @Override
  void logits(Activations a, int row, float[] logits) {
    // logits: (V) = rmsnorm(x[row]) · classifierᵀ
    int c = config.dim();
    RmsNorm.forward(a.xb, 0, a.x, row * c, held.finalNorm(), null, 1, c, config.normEps());
    held.classifier().mulNT(a.xb, 0, logits, 0, 1);
  }

  @Override
  void forwardChunk(
      int[] tokens, int offset, int t, AttentionCache<Activations> cache, Activations a) {
    LlamaConfig cf = config;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    int pos0 = cache.length();
    held.tokenEmbedding().embed(a.x, tokens, offset, t);
    for (int l = 0; l < cf.layers(); l++) {
      LlamaWeights.Layer<WeightMatrix> w = held.blocks().get(l);
      BlockLora d = lora(l);
      // attention block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.attnNorm(), null, t, c, cf.normEps());
      Linear.forward(
          a.xb, t, a.q, w.wq(), w.bq(), a.k, w.wk(), w.bk(), a.v, w.wv(), w.bv()); // q, k, v
      if (d != null) {
        AdapterSet.add(d.q(), a.q, a.xb, t, a.lora);
        AdapterSet.add(d.k(), a.k, a.xb, t, a.lora);
        AdapterSet.add(d.v(), a.v, a.xb, t, a.lora);
      }
      if (cf.qkNorm()) {
        RmsNorm.forward(
            a.q, 0, a.q, 0, w.qNorm(), null, t * cf.heads(), cf.headDim(), cf.normEps());
        RmsNorm.forward(
            a.k, 0, a.k, 0, w.kNorm(), null, t * cf.kvHeads(), cf.headDim(), cf.normEps());
      }
      for (int i = 0; i < t; i++) {
        Rope.forward(cf.ropeStyle(), a.q, i * qd, cf.heads(), held.rope(), pos0 + i);
        Rope.forward(cf.ropeStyle(), a.k, i * kvd, cf.kvHeads(), held.rope(), pos0 + i);
      }
      attend(cache, a, l, t, pos0);
      Linear.forward(a.proj, a.att, w.wo(), w.bo(), t);
      if (d != null) {
        AdapterSet.add(d.o(), a.proj, a.att, t, a.lora);
      }
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
      // feed-forward block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.ffnNorm(), null, t, c, cf.normEps());
      Linear.forward(a.xb, t, a.gate, w.wGate(), null, a.up, w.wUp(), null, null, null, null);
      if (d != null) {
        AdapterSet.add(d.gate(), a.gate, a.xb, t, a.lora);
        AdapterSet.add(d.up(), a.up, a.xb, t, a.lora);
      }
      SwiGlu.forward(a.gate, a.gate, a.up, t * f);
      Linear.forward(a.proj, a.gate, w.wDown(), null, t);
      if (d != null) {
        AdapterSet.add(d.down(), a.proj, a.gate, t, a.lora);
      }
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, t * c);
    }
    cache.advance(t);
  }
}
