package dev.lathe.transformer;

/**
 * Maps the tensor names of Hugging Face's Llama-family checkpoints ({@code model.layers.N.…}) to
 * {@link LlamaWeights}. HF stores q/k rows permuted for rotate-half RoPE, so they are used as is.
 */
final class HfLlamaWeights {
  private HfLlamaWeights() {}

  static LlamaWeights read(WeightSource w, LlamaConfig c) {
    return LlamaTensorNames.HF.read(c, w::get, embeddingName(w, c));
  }

  /**
   * The model of config {@code c} holding its matrices as {@code dtype} (not F32), each read
   * straight into that type one tensor at a time: BF16 tensors stored as BF16 are used from the
   * mapped file when {@code map}, otherwise copied as they are, so no f32 copy of the model ever
   * exists.
   */
  static LlamaModel readHeld(WeightSource w, LlamaConfig c, DType dtype, boolean map) {
    LlamaTensorNames.Matrices<WeightMatrix> matrices =
        (name, rows, cols) ->
            dtype == DType.BF16
                ? w.bf16Matrix(name, rows, cols, map)
                : WeightMatrix.of(w.get(name, rows, cols), (int) rows, (int) cols, dtype);
    return LlamaModel.held(
        c, LlamaTensorNames.HF.read(c, w::get, matrices, embeddingName(w, c)), dtype);
  }

  /**
   * The name the embedding is read from: a tied checkpoint may store the shared matrix only as
   * lm_head.weight, with or without an alias in its metadata.
   */
  private static String embeddingName(WeightSource w, LlamaConfig c) {
    LlamaTensorNames names = LlamaTensorNames.HF;
    return c.tiedEmbeddings() && !w.has(names.embedding()) && w.has(names.head())
        ? names.head()
        : names.embedding();
  }
}
