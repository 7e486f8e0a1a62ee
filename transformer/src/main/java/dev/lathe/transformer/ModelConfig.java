package dev.lathe.transformer;

/** The shape of a loaded model, whichever family it belongs to. */
public sealed interface ModelConfig permits LlamaConfig, Gpt2Config {

  /** Vocabulary size V. */
  int vocabSize();

  /** Longest supported sequence. */
  int contextLength();

  /** Model width C. */
  int dim();

  /** Number of blocks L. */
  int layers();

  /** Query heads H. */
  int heads();

  /** Key/value heads KVH (H without grouped-query attention). */
  int kvHeads();

  /** Width of one head hd. */
  int headDim();

  /** Weights in one block's projections: the matrix products a step of training runs per token. */
  long projectionWeights();
}
