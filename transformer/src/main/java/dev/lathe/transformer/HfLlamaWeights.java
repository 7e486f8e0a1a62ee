package dev.lathe.transformer;

/**
 * Maps the tensor names of Hugging Face's Llama-family checkpoints ({@code model.layers.N.…}) to
 * {@link LlamaWeights}. HF stores q/k rows permuted for rotate-half RoPE, so they are used as is.
 */
final class HfLlamaWeights {
  private HfLlamaWeights() {}

  static LlamaWeights read(WeightSource w, LlamaConfig c) {
    LlamaTensorNames names = LlamaTensorNames.HF;
    // a tied checkpoint may store the shared matrix only as lm_head.weight, with or without an
    // alias in its metadata
    String embedding =
        c.tiedEmbeddings() && !w.has(names.embedding()) && w.has(names.head())
            ? names.head()
            : names.embedding();
    return names.read(c, w::get, embedding);
  }
}
