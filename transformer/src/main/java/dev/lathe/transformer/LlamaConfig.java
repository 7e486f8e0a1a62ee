package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;

/**
 * Shape and hyper-parameters of a Llama-family decoder (Llama 1-3, Mistral, Qwen2/2.5, Qwen3,
 * SmolLM, llama2.c checkpoints).
 *
 * @param dim model width C (hidden_size)
 * @param hiddenDim feed-forward width (intermediate_size)
 * @param layers number of decoder blocks L
 * @param heads query heads H
 * @param kvHeads key/value heads (GQA: divides {@code heads})
 * @param headDim width of one head (usually dim / heads; Qwen3 sets it explicitly)
 * @param vocabSize vocabulary size V
 * @param contextLength longest supported sequence (max_position_embeddings / seq_len)
 * @param normEps epsilon of every RMSNorm
 * @param ropeTheta RoPE base
 * @param ropeScaling RoPE frequency scaling
 * @param ropeStyle which dimensions RoPE pairs (interleaved for llama2.c, rotate-half for HF)
 * @param attentionBias whether q/k/v projections carry a bias (Qwen2; Llama/Qwen3 attention_bias)
 * @param outputBias whether the attention output projection carries a bias (Llama/Qwen3
 *     attention_bias; never Qwen2)
 * @param qkNorm whether queries and keys are RMS-normalised per head before RoPE (Qwen3)
 * @param tiedEmbeddings whether the output head is the token embedding
 */
public record LlamaConfig(
    int dim,
    int hiddenDim,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int vocabSize,
    int contextLength,
    float normEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    Rope.Style ropeStyle,
    boolean attentionBias,
    boolean outputBias,
    boolean qkNorm,
    boolean tiedEmbeddings)
    implements ModelConfig {

  public LlamaConfig {
    requirePositive("dim", dim);
    requirePositive("hiddenDim", hiddenDim);
    requirePositive("layers", layers);
    requirePositive("heads", heads);
    requirePositive("kvHeads", kvHeads);
    requirePositive("headDim", headDim);
    requirePositive("vocabSize", vocabSize);
    requirePositive("contextLength", contextLength);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("headDim must be even for RoPE, got " + headDim);
    }
    if (!(normEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException(
          "normEps and ropeTheta must be > 0, got " + normEps + " and " + ropeTheta);
    }
    if (ropeScaling == null || ropeStyle == null) {
      throw new IllegalArgumentException("ropeScaling and ropeStyle are required");
    }
  }

  /** Width of all query heads together: H * headDim. */
  public int queryDim() {
    return heads * headDim;
  }

  /** Width of all key (or value) heads together: KVH * headDim. */
  public int kvDim() {
    return kvHeads * headDim;
  }

  /**
   * This config with RoPE frequencies scaled by {@code scaling} and pairs chosen by {@code style}.
   */
  public LlamaConfig withRope(RopeScaling scaling, Rope.Style style) {
    return new LlamaConfig(
        dim,
        hiddenDim,
        layers,
        heads,
        kvHeads,
        headDim,
        vocabSize,
        contextLength,
        normEps,
        ropeTheta,
        scaling,
        style,
        attentionBias,
        outputBias,
        qkNorm,
        tiedEmbeddings);
  }

  /** q and o (H·hd × C), k and v (KVH·hd × C), gate, up and down (F × C). */
  @Override
  public long projectionWeights() {
    long c = dim;
    long f = hiddenDim;
    return 2L * queryDim() * c + 2L * kvDim() * c + 3 * c * f;
  }

  static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }
}
