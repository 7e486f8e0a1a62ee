package dev.lathe.inference;

import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.KvPrefix;
import dev.lathe.transformer.LanguageModel;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Keys and values of recent prompts, per model (a base, or a base with one fine-tune's adapters),
 * reused by later prompts that start with the same tokens (a shared system prompt): their prefill
 * starts after the longest shared run. Position {@code p} of a sequence depends only on its tokens
 * up to {@code p}, so the shared run of any cached prompt serves, not only whole cached prompts.
 *
 * <p>Bounded by {@code maxBytes} of keys and values, least recently used evicted first (and the
 * prompts of models no longer loaded when another is stored); a bound of 0 keeps nothing.
 * Thread-safe.
 */
public final class PrefixCache {
  /** A cached prompt; the model is weakly held, so a cached prompt keeps no unloaded model. */
  private record Entry(WeakReference<LanguageModel> model, int[] tokens, KvPrefix kv) {
    boolean of(LanguageModel m) {
      return model.get() == m;
    }
  }

  private final long maxBytes;
  private final List<Entry> entries = new ArrayList<>(); // least recently used first
  private long bytes;
  private long hits;
  private long misses;
  private long reusedTokens;

  public PrefixCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("prefix cache bytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Fills the empty {@code cache} of {@code model} with the longest run of {@code prompt} a cached
   * prompt shares; returns how many positions it holds now, 0 on a miss. At least two tokens are
   * left to prefill: the caller needs the last one's logits, and a prefill of one token takes the
   * mat-vec path, whose sums associate differently from the batched product's, so the prompt's
   * logits would not be the bits computed without the cache.
   */
  public synchronized int restore(LanguageModel model, int[] prompt, KvCache cache) {
    Entry best = null;
    int bestLength = 0;
    for (Entry e : entries) {
      if (e.of(model)) {
        int shared = Math.min(shared(e.tokens, prompt), prompt.length - 2);
        if (shared > bestLength) {
          best = e;
          bestLength = shared;
        }
      }
    }
    if (best == null) {
      misses++;
      return 0;
    }
    best.kv.restore(cache, bestLength);
    entries.remove(best);
    entries.add(best);
    hits++;
    reusedTokens += bestLength;
    return bestLength;
  }

  /**
   * Keeps the keys and values of {@code prompt}, which {@code cache} of {@code model} holds at its
   * first positions, unless a cached prompt of the model already starts with it.
   */
  public void store(LanguageModel model, int[] prompt, KvCache cache) {
    long need = 8L * prompt.length; // a lower bound, checked exactly below
    if (maxBytes == 0 || need > maxBytes) {
      return;
    }
    synchronized (this) {
      for (Entry e : entries) {
        if (e.of(model) && shared(e.tokens, prompt) == prompt.length) {
          entries.remove(e);
          entries.add(e);
          return;
        }
      }
    }
    KvPrefix kv = KvPrefix.copy(cache, prompt.length); // copied outside the lock
    if (kv.bytes() > maxBytes) {
      return;
    }
    synchronized (this) {
      // a cached prompt that this one extends is covered by it
      for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.model.get() == null || e.of(model) && shared(e.tokens, prompt) == e.tokens.length) {
          bytes -= e.kv.bytes();
          it.remove();
        }
      }
      entries.add(new Entry(new WeakReference<>(model), prompt.clone(), kv));
      bytes += kv.bytes();
      while (bytes > maxBytes) {
        bytes -= entries.remove(0).kv.bytes();
      }
    }
  }

  /** Prompts that reused cached positions. */
  public synchronized long hits() {
    return hits;
  }

  /** Prompts that found nothing to reuse. */
  public synchronized long misses() {
    return misses;
  }

  /** Prompt positions not recomputed thanks to the cache. */
  public synchronized long reusedTokens() {
    return reusedTokens;
  }

  /** Bytes of keys and values held. */
  public synchronized long bytes() {
    return bytes;
  }

  private static int shared(int[] a, int[] b) {
    int n = Math.min(a.length, b.length);
    int i = 0;
    while (i < n && a[i] == b[i]) {
      i++;
    }
    return i;
  }
}
