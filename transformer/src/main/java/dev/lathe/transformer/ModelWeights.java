package dev.lathe.transformer;

/**
 * A family's f32 weights, as far as the code around a model needs them whichever the family:
 * whether they fit a config, and which matrix the output head multiplies by.
 *
 * @param <C> the family's config
 */
public sealed interface ModelWeights<C extends ModelConfig> permits LlamaWeights, Gpt2Weights {

  /** Throws a clear error naming the first tensor whose size does not fit {@code c}. */
  void checkShapes(C c);

  /** The output head (V, C): the classifier, or the token embedding when tied. */
  float[] outputHead();
}
