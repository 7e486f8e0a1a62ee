package dev.lathe.transformer;

import java.util.List;

/**
 * The parameters of a Llama-family model as f32 row-major arrays; every projection is stored [out,
 * in] (the layout of {@code Gemm.mulNT}).
 *
 * @param tokenEmbedding (V, C)
 * @param layers one entry per decoder block
 * @param finalNorm (C)
 * @param classifier (V, C); the same array as {@code tokenEmbedding} when tied
 */
public record LlamaWeights(
    float[] tokenEmbedding, List<Layer> layers, float[] finalNorm, float[] classifier) {

  /**
   * One decoder block. Biases are null unless the config has attention bias; qNorm/kNorm are null
   * unless it has QK-norm.
   *
   * @param attnNorm (C)
   * @param wq (H*hd, C)
   * @param wk (KVH*hd, C)
   * @param wv (KVH*hd, C)
   * @param wo (C, H*hd)
   * @param bq (H*hd) or null
   * @param bk (KVH*hd) or null
   * @param bv (KVH*hd) or null
   * @param bo (C) or null unless the config has output bias
   * @param qNorm (hd) or null
   * @param kNorm (hd) or null
   * @param ffnNorm (C)
   * @param wGate (F, C)
   * @param wUp (F, C)
   * @param wDown (C, F)
   */
  public record Layer(
      float[] attnNorm,
      float[] wq,
      float[] wk,
      float[] wv,
      float[] wo,
      float[] bq,
      float[] bk,
      float[] bv,
      float[] bo,
      float[] qNorm,
      float[] kNorm,
      float[] ffnNorm,
      float[] wGate,
      float[] wUp,
      float[] wDown) {}

  public LlamaWeights {
    layers = List.copyOf(layers);
  }

  /** Throws a clear error naming the first tensor whose size does not fit {@code c}. */
  public void checkShapes(LlamaConfig c) {
    long C = c.dim();
    long F = c.hiddenDim();
    long q = c.queryDim();
    long kv = c.kvDim();
    check("token embedding", tokenEmbedding, c.vocabSize() * C);
    check("final norm", finalNorm, C);
    check("classifier", classifier, c.vocabSize() * C);
    if (layers.size() != c.layers()) {
      throw new IllegalArgumentException(
          "config has " + c.layers() + " layers but weights have " + layers.size());
    }
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      String p = "layer " + i + " ";
      check(p + "attention norm", l.attnNorm, C);
      check(p + "q projection", l.wq, q * C);
      check(p + "k projection", l.wk, kv * C);
      check(p + "v projection", l.wv, kv * C);
      check(p + "o projection", l.wo, C * q);
      check(p + "ffn norm", l.ffnNorm, C);
      check(p + "gate projection", l.wGate, F * C);
      check(p + "up projection", l.wUp, F * C);
      check(p + "down projection", l.wDown, C * F);
      if (c.attentionBias()) {
        check(p + "q bias", l.bq, q);
        check(p + "k bias", l.bk, kv);
        check(p + "v bias", l.bv, kv);
      }
      if (c.outputBias()) {
        check(p + "o bias", l.bo, C);
      }
      if (c.qkNorm()) {
        check(p + "q norm", l.qNorm, c.headDim());
        check(p + "k norm", l.kNorm, c.headDim());
      }
    }
  }

  static void check(String what, float[] a, long expected) {
    if (a == null) {
      throw new IllegalArgumentException("missing weight: " + what);
    }
    if (a.length != expected) {
      throw new IllegalArgumentException(
          what + " has " + a.length + " values, the config needs " + expected);
    }
  }
}
