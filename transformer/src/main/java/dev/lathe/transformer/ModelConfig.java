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
}
