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
   * This thread's copy of {@code n} keys and values from {@code at} (a head's first positions, n =
   * positions · hd), widened into {@link #keys} and {@link #values} from index 0; {@code room} is
   * what the copies are grown to when too short (the cache's whole head, so they grow once).
   */
  static WidenedHead of(short[] keys, short[] values, int at, int n, int room) {
    WidenedHead w = MINE.get();
    if (w.keys.length < n) {
      w.keys = new float[Math.max(n, room)];
      w.values = new float[Math.max(n, room)];
    }
    Bf16.toFloat(keys, at, w.keys, 0, n);
    Bf16.toFloat(values, at, w.values, 0, n);
    return w;
  }
}
