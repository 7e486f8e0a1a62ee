package dev.lathe.transformer;

/**
 * A causal language model ready for inference: it consumes tokens at consecutive positions,
 * remembering keys and values in a {@link KvCache}, and produces next-token logits.
 *
 * <p>Prefill is one call with many tokens; decode is one call per token.
 */
public interface LanguageModel {

  /** Number of logits produced per position (the vocabulary size). */
  int vocabularySize();

  /** Longest sequence (prompt + generated tokens) the model supports. */
  int contextLength();

  /** A fresh cache able to hold {@code capacity} positions (at most {@link #contextLength()}). */
  KvCache newCache(int capacity);

  /**
   * Runs {@code tokens[offset .. offset+count)} at positions {@code cache.length() ..}, appends
   * their keys and values to {@code cache}, and writes the logits of the last of them into {@code
   * logits[0 .. vocabularySize())}.
   */
  void forward(int[] tokens, int offset, int count, KvCache cache, float[] logits);

  /**
   * A view of this model with {@code adapters} applied at forward time over the same, unchanged
   * weights (shared, not copied): each adapted projection adds {@code scale · B (A x)}. The view
   * has its own caches; this model keeps computing exactly what it computed before.
   *
   * @throws IllegalArgumentException when an adapter does not fit (a module this model does not
   *     have, or a shape that differs), naming the tensor
   */
  default LanguageModel withAdapters(AdapterSet adapters) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not support LoRA adapters");
  }

  /** How this model's caches hold keys and values. */
  default KvDtype kvDtype() {
    return KvDtype.F32;
  }

  /**
   * A view of this model (the same weights and adapters, shared) whose caches hold keys and values
   * as {@code kv}; adapter views made from it keep that type.
   *
   * @throws UnsupportedOperationException when this model holds its caches in f32 only
   */
  default LanguageModel withKvDtype(KvDtype kv) {
    if (kv == kvDtype()) {
      return this;
    }
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " holds its key/value caches in f32 only");
  }
}
