package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;

/**
 * The {@link KvCache} of this package's models: per layer, keys and values laid out (KVH, capacity,
 * hd) so that one head's keys are contiguous, plus the activation arena of the model that created
 * it, sized once so the forward pass allocates nothing.
 *
 * <p>The keys and values are held in f32 or, for half the memory and half the bytes a decode step
 * reads, in bf16 (rounded to nearest even as they are stored). Attention over a bf16 cache widens
 * what it reads to f32 (exactly), in registers as it reads ({@link DecodeAttention}) or into a
 * per-thread copy ({@link WidenedHead}), and computes as over an f32 cache holding those values.
 *
 * @param <A> the owning model's activation arena
 */
final class AttentionCache<A> implements KvCache {
  final Object owner;
  final float[][] keys; // (L) x (KVH, capacity, hd); null when held in bf16
  final float[][] values; // (L) x (KVH, capacity, hd); null when held in bf16
  final short[][] keysBf16; // (L) x (KVH, capacity, hd); null when held in f32
  final short[][] valuesBf16; // (L) x (KVH, capacity, hd); null when held in f32
  final int kvHeads;
  final int headDim;
  final int capacity;
  final A arena;
  private int length;

  /** A cache holding its keys and values as {@code dtype}: {@link KvDtype#F32} or BF16. */
  AttentionCache(
      Object owner, int layers, int kvHeads, int headDim, int capacity, KvDtype dtype, A arena) {
    this.owner = owner;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.capacity = capacity;
    this.arena = arena;
    int n = kvHeads * capacity * headDim;
    boolean bf16 = dtype == KvDtype.BF16;
    this.keys = bf16 ? null : new float[layers][n];
    this.values = bf16 ? null : new float[layers][n];
    this.keysBf16 = bf16 ? new short[layers][n] : null;
    this.valuesBf16 = bf16 ? new short[layers][n] : null;
  }

  /** How the keys and values are held. */
  KvDtype dtype() {
    return keys == null ? KvDtype.BF16 : KvDtype.F32;
  }

  /** Layers held. */
  int layers() {
    return keys != null ? keys.length : keysBf16.length;
  }

  @Override
  public int length() {
    return length;
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public void truncate(int newLength) {
    if (newLength < 0 || newLength > length) {
      throw new IllegalArgumentException(
          "cannot truncate a cache of " + length + " positions to " + newLength);
    }
    length = newLength;
  }

  void advance(int count) {
    length += count;
  }

  /**
   * Copies (rounds, for a bf16 cache) {@code t} rows of keys and values into layer {@code layer} at
   * positions {@code pos0 ..}.
   *
   * <pre>
   * // k, v: (T, KVH, hd)
   * </pre>
   */
  void store(int layer, float[] k, float[] v, int t, int pos0) {
    for (int i = 0; i < t; i++) {
      for (int h = 0; h < kvHeads; h++) {
        int src = (i * kvHeads + h) * headDim;
        int dst = (h * capacity + pos0 + i) * headDim;
        if (keys != null) {
          System.arraycopy(k, src, keys[layer], dst, headDim);
          System.arraycopy(v, src, values[layer], dst, headDim);
        } else {
          Bf16.fromFloat(k, src, keysBf16[layer], dst, headDim);
          Bf16.fromFloat(v, src, valuesBf16[layer], dst, headDim);
        }
      }
    }
  }

  /** Checks that {@code model} made this cache and that {@code count} more positions fit. */
  static <A> AttentionCache<A> of(KvCache cache, Object model, int count) {
    if (!(cache instanceof AttentionCache<?> c) || c.owner != model) {
      throw new IllegalArgumentException(
          "this cache was not created by this model: call newCache on the model you run");
    }
    if (count < 1) {
      throw new IllegalArgumentException("forward needs at least one token, got " + count);
    }
    if (c.length + count > c.capacity) {
      throw new IllegalArgumentException(
          "cache holds "
              + c.length
              + " of "
              + c.capacity
              + " positions: "
              + count
              + " more do not fit (create a larger cache or truncate it)");
    }
    @SuppressWarnings("unchecked")
    AttentionCache<A> typed = (AttentionCache<A>) c;
    return typed;
  }
}
