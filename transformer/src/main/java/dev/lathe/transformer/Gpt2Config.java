package dev.lathe.transformer;

/**
 * Shape of a GPT-2 model: learned positions, LayerNorm with bias, GELU (tanh), multi-head
 * attention, output head tied to the token embedding.
 *
 * @param dim model width C (n_embd)
 * @param hiddenDim feed-forward width (n_inner, usually 4C)
 * @param layers blocks L (n_layer)
 * @param heads attention heads H (n_head), dividing C
 * @param vocabSize vocabulary size V
 * @param contextLength learned positions (n_positions)
 * @param normEps LayerNorm epsilon
 */
public record Gpt2Config(
    int dim, int hiddenDim, int layers, int heads, int vocabSize, int contextLength, float normEps)
    implements ModelConfig {

  public Gpt2Config {
    LlamaConfig.requirePositive("dim", dim);
    LlamaConfig.requirePositive("hiddenDim", hiddenDim);
    LlamaConfig.requirePositive("layers", layers);
    LlamaConfig.requirePositive("heads", heads);
    LlamaConfig.requirePositive("vocabSize", vocabSize);
    LlamaConfig.requirePositive("contextLength", contextLength);
    if (dim % heads != 0) {
      throw new IllegalArgumentException(
          "dim (" + dim + ") must be a multiple of heads (" + heads + ")");
    }
    if (!(normEps > 0)) {
      throw new IllegalArgumentException("normEps must be > 0, got " + normEps);
    }
  }

  /** Width of one head. */
  @Override
  public int headDim() {
    return dim / heads;
  }

  /** c_attn (3C, C), attn.c_proj (C, C), c_fc (F, C) and mlp.c_proj (C, F). */
  @Override
  public long projectionWeights() {
    long c = dim;
    return 3 * c * c + c * c + 2 * c * hiddenDim;
  }

  /** GPT-2 has no grouped-query attention: a key/value head per query head. */
  @Override
  public int kvHeads() {
    return heads;
  }
}
