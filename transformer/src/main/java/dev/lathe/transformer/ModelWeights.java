package dev.lathe.transformer;

import java.util.function.UnaryOperator;

/**
 * A family's f32 weights, as far as the code around a model needs them whichever the family:
 * whether they fit a config, which matrix the output head multiplies by, and the same weights with
 * every array converted.
 *
 * @param <C> the family's config
 */
public sealed interface ModelWeights<C extends ModelConfig> permits LlamaWeights, Gpt2Weights {

  /**
   * These weights, of the family's own record type, with every array converted by {@code f} (given
   * null for an absent bias or norm); a tied head is the converted embedding.
   */
  ModelWeights<C> map(C c, UnaryOperator<float[]> f);

  /** Throws a clear error naming the first tensor whose size does not fit {@code c}. */
  void checkShapes(C c);

  /** The output head (V, C): the classifier, or the token embedding when tied. */
  float[] outputHead();
}
