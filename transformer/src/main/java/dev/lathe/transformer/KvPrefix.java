package dev.lathe.transformer;

/**
 * The keys and values of a sequence's first positions, copied out of a {@link KvCache} so that a
 * later sequence starting with the same tokens (a system prompt) skips their prefill. Positions
 * depend only on the tokens before them, so any leading run of positions this holds serves any
 * sequence that shares those tokens, on the same model and adapters.
 *
 * <p>Immutable once taken; {@link #restore} copies into a cache.
 */
public final class KvPrefix {
  private final int layers;
  private final int kvHeads;
  private final int headDim;
  private final int length;
  private final KvDtype dtype;
  private final Object[]
      keys; // (L) x (KVH, length, hd): float[] or short[], as the cache held them
  private final Object[] values; // (L) x (KVH, length, hd)

  private KvPrefix(int layers, int kvHeads, int headDim, int length, KvDtype dtype) {
    this.layers = layers;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    this.length = length;
    this.dtype = dtype;
    this.keys = new Object[layers];
    this.values = new Object[layers];
    int n = kvHeads * length * headDim;
    for (int l = 0; l < layers; l++) {
      keys[l] = dtype == KvDtype.BF16 ? new short[n] : new float[n];
      values[l] = dtype == KvDtype.BF16 ? new short[n] : new float[n];
    }
  }

  /** The first {@code length} positions of {@code cache} (a cache this package's models made). */
  public static KvPrefix copy(KvCache cache, int length) {
    AttentionCache<?> c = attention(cache);
    if (length < 1 || length > c.length()) {
      throw new IllegalArgumentException(
          "a prefix of " + length + " positions cannot be copied from a cache of " + c.length());
    }
    KvPrefix p = new KvPrefix(c.layers(), c.kvHeads, c.headDim, length, c.dtype());
    for (int l = 0; l < p.layers; l++) {
      for (int h = 0; h < p.kvHeads; h++) {
        int src = h * c.capacity * p.headDim;
        int dst = h * length * p.headDim;
        System.arraycopy(keys(c, l), src, p.keys[l], dst, length * p.headDim);
        System.arraycopy(values(c, l), src, p.values[l], dst, length * p.headDim);
      }
    }
    return p;
  }

  /** Positions held. */
  public int length() {
    return length;
  }

  /** Bytes of the keys and values held. */
  public long bytes() {
    return 2L * dtype.bytes() * layers * kvHeads * length * headDim;
  }

  /**
   * Makes the empty {@code cache} hold this prefix's first {@code count} positions, as if they had
   * been run through the model that made it.
   */
  public void restore(KvCache cache, int count) {
    AttentionCache<?> c = attention(cache);
    if (c.layers() != layers || c.kvHeads != kvHeads || c.headDim != headDim) {
      throw new IllegalArgumentException(
          "this prefix was taken from a model of another shape ("
              + layers
              + " layers, "
              + kvHeads
              + " key/value heads of "
              + headDim
              + ")");
    }
    if (c.dtype() != dtype) {
      throw new IllegalArgumentException(
          "this prefix holds "
              + dtype.configName()
              + " keys and values; the cache holds "
              + c.dtype().configName());
    }
    if (c.length() != 0 || count < 1 || count > length || count > c.capacity) {
      throw new IllegalArgumentException(
          "cannot restore "
              + count
              + " of "
              + length
              + " prefix positions into a cache holding "
              + c.length()
              + " of "
              + c.capacity
              + " (it must be empty and large enough)");
    }
    for (int l = 0; l < layers; l++) {
      for (int h = 0; h < kvHeads; h++) {
        int src = h * length * headDim;
        int dst = h * c.capacity * headDim;
        System.arraycopy(keys[l], src, keys(c, l), dst, count * headDim);
        System.arraycopy(values[l], src, values(c, l), dst, count * headDim);
      }
    }
    c.advance(count);
  }

  /** Layer l's keys of {@code c}, whichever their type (for {@link System#arraycopy}). */
  private static Object keys(AttentionCache<?> c, int l) {
    return c.keys != null ? c.keys[l] : c.keysBf16[l];
  }

  private static Object values(AttentionCache<?> c, int l) {
    return c.values != null ? c.values[l] : c.valuesBf16[l];
  }

  private static AttentionCache<?> attention(KvCache cache) {
    if (!(cache instanceof AttentionCache<?> c)) {
      throw new IllegalArgumentException(
          "only the caches of this package's models can be copied, not " + cache.getClass());
    }
    return c;
  }
}
