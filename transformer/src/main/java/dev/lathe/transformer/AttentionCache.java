package dev.lathe.transformer;

/**
 * The {@link KvCache} of this package's models: per layer, keys and values laid out (KVH, capacity,
 * hd) so that one head's keys are contiguous, plus the activation arena of the model that created
 * it, sized once so the forward pass allocates nothing.
 *
 * @param <A> the owning model's activation arena
 */
final class AttentionCache<A> implements KvCache {
  final Object owner;
  final float[][] keys; // (L) x (KVH, capacity, hd)
  final float[][] values; // (L) x (KVH, capacity, hd)
  final int kvHeads;
  final int headDim;
  final int capacity;
  final A arena;
  private int length;

  AttentionCache(Object owner, int layers, int kvHeads, int headDim, int capacity, A arena) {
    this.owner = owner;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.capacity = capacity;
    this.arena = arena;
    this.keys = new float[layers][kvHeads * capacity * headDim];
    this.values = new float[layers][kvHeads * capacity * headDim];
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
   * Copies {@code t} rows of keys and values into layer {@code layer} at positions {@code pos0 ..}.
   *
   * <pre>
   * // k, v: (T, KVH, hd)
   * </pre>
   */
  void store(int layer, float[] k, float[] v, int t, int pos0) {
    float[] kc = keys[layer];
    float[] vc = values[layer];
    for (int i = 0; i < t; i++) {
      for (int h = 0; h < kvHeads; h++) {
        int src = (i * kvHeads + h) * headDim;
        int dst = (h * capacity + pos0 + i) * headDim;
        System.arraycopy(k, src, kc, dst, headDim);
        System.arraycopy(v, src, vc, dst, headDim);
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
