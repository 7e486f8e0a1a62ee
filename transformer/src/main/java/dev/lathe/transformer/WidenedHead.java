package dev.lathe.transformer;

import dev.lathe.tensor.Bf16;

/**
 * A thread's f32 copy of the positions attention reads of one key/value head of a bf16 cache
 * ({@link AttentionCache}), for the attention that cannot widen as it reads: a prompt's matrix
 * products ({@link PromptAttention}) and heads shorter than a vector ({@link CausalAttention}).
 * They then compute as over an f32 cache holding the same (exactly widened) values. The copies grow
 * to the largest head seen and are reused, so a warm decode step allocates nothing.
 */
final class WidenedHead {
  float[] keys = new float[0]; // (len, hd) from 0
  float[] values = new float[0]; // (len, hd) from 0

  private static final ThreadLocal<WidenedHead> MINE = ThreadLocal.withInitial(WidenedHead::new);

  private WidenedHead() {}

  /**
   * This thread's copy of the first {@code positions} keys and values of key/value head {@code g}
   * of layer {@code layer} of the bf16 {@code cache}, widened into {@link #keys} and {@link
   * #values} from index 0. The copies grow to the cache's whole head when too short, so they grow
   * once per larger cache.
   */
  static WidenedHead of(AttentionCache<?> cache, int layer, int g, int positions) {
    WidenedHead w = MINE.get();
    int n = positions * cache.headDim;
    if (w.keys.length < n) {
      int room = cache.capacity * cache.headDim;
      w.keys = new float[room];
      w.values = new float[room];
    }
    int at = g * cache.capacity * cache.headDim;
    Bf16.toFloat(cache.keysBf16[layer], at, w.keys, 0, n);
    Bf16.toFloat(cache.valuesBf16[layer], at, w.values, 0, n);
    return w;
  }
}
