package dev.lathe.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * What a decoder held for inference shares, whichever its family: its config and (when held in f32)
 * its weights, the view with LoRA adapters over the same arrays, caches sized for its chunks, and
 * the chunked forward's loop and checks. A family ({@link LlamaModel}, {@link Gpt2Model}) holds its
 * blocks, binds one block's adapters and writes one chunk's forward, read top to bottom.
 *
 * <p>Immutable and shareable by threads; a cache (and so a sequence) is used by one thread at a
 * time.
 *
 * @param <C> the family's config
 * @param <W> the family's f32 weights
 * @param <H> the family's weights as the model holds them (matmul weights f32 or bf16)
 * @param <L> one block's adapters
 * @param <A> one chunk's activations, allocated once per cache
 */
public abstract sealed class DecoderModel<
        C extends ModelConfig, W extends ModelWeights<C>, H, L, A extends ChunkActivations>
    implements LanguageModel permits LlamaModel, Gpt2Model {

  /** Most positions processed together in one pass over the weights. */
  static final int CHUNK = 512;

  /** A family's chunk activations for {@code t} positions, attention over {@code capacity}. */
  interface Arena<C, A> {
    A of(C config, int t, int capacity, int loraRank);
  }

  private final String familyName; // as messages name the family, e.g. Llama-family
  final C config;
  private final W f32Weights; // null unless held in f32
  final H held; // shared by every view
  final AdapterSet adapters; // null for the base model
  private final List<L> lora; // (L), null for the base model
  private final Arena<C, A> arenas;
  private final KvDtype kvDtype; // how its caches hold keys and values

  /**
   * A base model of the family messages call {@code familyName}, holding {@code held} (made from
   * {@code weights}, which are also kept as they are when {@code dtype} is F32).
   */
  DecoderModel(String familyName, C config, W weights, DType dtype, H held, Arena<C, A> arenas) {
    this.familyName = familyName;
    this.held = held;
    this.arenas = arenas;
    this.config = config;
    this.f32Weights = dtype == DType.F32 ? weights : null;
    this.adapters = null;
    this.lora = null;
    this.kvDtype = KvDtype.F32;
  }

  /** A view of {@code base} sharing its weights, with {@code adapters} bound to its blocks. */
  DecoderModel(DecoderModel<C, W, H, L, A> base, AdapterSet adapters) {
    this(base, adapters, base.bind(adapters), base.kvDtype);
  }

  /** A view of {@code base} sharing its weights and adapters, its caches holding {@code kv}. */
  DecoderModel(DecoderModel<C, W, H, L, A> base, KvDtype kv) {
    this(base, base.adapters, base.lora, kv);
  }

  private DecoderModel(
      DecoderModel<C, W, H, L, A> base, AdapterSet adapters, List<L> lora, KvDtype kv) {
    this.familyName = base.familyName;
    this.held = base.held;
    this.arenas = base.arenas;
    this.config = base.config;
    this.f32Weights = base.f32Weights;
    this.adapters = adapters;
    this.lora = lora;
    this.kvDtype = kv;
  }

  private List<L> bind(AdapterSet set) {
    AdapterSet.Binder bind =
        set.binder(
            "this "
                + familyName
                + " model ("
                + config.layers()
                + " layers, dim "
                + config.dim()
                + ")");
    List<L> bound = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      bound.add(bindBlock(bind, l));
    }
    bind.finish();
    return List.copyOf(bound);
  }

  /**
   * The adapters of block {@code layer}, each taken from {@code bind} with its projection's shape.
   */
  abstract L bindBlock(AdapterSet.Binder bind, int layer);

  /** Block {@code l}'s adapters, or null for the base model. */
  final L lora(int l) {
    return lora == null ? null : lora.get(l);
  }

  /** The adapters this view applies, or null for a model without. */
  public AdapterSet adapters() {
    return adapters;
  }

  public C config() {
    return config;
  }

  /**
   * The parameters in f32: the arrays this model holds when its weights are f32, otherwise a fresh
   * copy widened from bf16 (exactly the values it computes with) on each call.
   */
  public W weights() {
    if (adapters != null) {
      throw new IllegalStateException(
          "this model applies LoRA adapters from "
              + adapters.source()
              + " that its weights do not include: use the base model's weights");
    }
    return f32Weights != null ? f32Weights : widened();
  }

  /** The weights widened to f32 from what the model holds. */
  abstract W widened();

  @Override
  public int vocabularySize() {
    return config.vocabSize();
  }

  @Override
  public int contextLength() {
    return config.contextLength();
  }

  @Override
  public KvDtype kvDtype() {
    return kvDtype;
  }

  @Override
  public KvCache newCache(int capacity) {
    if (capacity < 1 || capacity > config.contextLength()) {
      throw new IllegalArgumentException(
          "cache capacity must be in [1, " + config.contextLength() + "], got " + capacity);
    }
    int rank = adapters == null ? 0 : adapters.maxRank();
    A a = arenas.of(config, Math.min(CHUNK, capacity), capacity, rank);
    return new AttentionCache<>(
        this, config.layers(), config.kvHeads(), config.headDim(), capacity, kvDtype, a);
  }

  @Override
  public void forward(int[] tokens, int offset, int count, KvCache kv, float[] logits) {
    AttentionCache<A> cache = AttentionCache.of(kv, this, count);
    if (logits.length < config.vocabSize()) {
      throw new IllegalArgumentException(
          "logits array holds " + logits.length + ", needs " + config.vocabSize());
    }
    A a = cache.arena;
    int chunk = a.rows(config);
    int t = 0;
    for (int done = 0; done < count; done += t) {
      t = Math.min(chunk, count - done);
      forwardChunk(tokens, offset + done, t, cache, a);
    }
    logits(a, t - 1, logits);
  }

  /**
   * Runs {@code t} tokens at positions {@code cache.length() ..} through every block, storing their
   * keys and values, and leaves the residual stream of the chunk in the arena.
   */
  abstract void forwardChunk(int[] tokens, int offset, int t, AttentionCache<A> cache, A a);

  /**
   * Stores the chunk's keys and values of block {@code l} in the cache, then causal attention of
   * its queries over every cached position up to their own: {@link PromptAttention} for several
   * positions, {@link CausalAttention} for one (a decode step).
   *
   * <pre>
   * // a.q: (T, H, hd)   a.k, a.v: (T, KVH, hd)   a.att: (T, H, hd)
   * </pre>
   */
  final void attend(AttentionCache<A> cache, A a, int l, int t, int pos0) {
    cache.store(l, a.k, a.v, t, pos0);
    if (t > 1) {
      attendPrompt(cache, a, l, t, pos0);
      return;
    }
    CausalAttention.forward(a.att, a.q, cache, l, t, pos0, config.heads(), a.scores);
  }

  /** A prompt's chunk: attention as matrix products (kept out of the decode step's code). */
  private void attendPrompt(AttentionCache<A> cache, A a, int l, int t, int pos0) {
    PromptAttention.forward(a.att, a.q, cache, l, t, pos0, config.heads());
  }

  /** The logits (V) of row {@code row} of the last chunk's residual stream. */
  abstract void logits(A a, int row, float[] logits);
}
