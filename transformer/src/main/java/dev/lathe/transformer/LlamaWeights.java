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
    float[] tokenEmbedding, List<Layer<float[]>> layers, float[] finalNorm, float[] classifier)
    implements ModelWeights<LlamaConfig> {

  /**
   * One decoder block, its seven projections held as {@code M}: f32 arrays here, {@link
   * WeightMatrix} in a {@link LlamaModel}. Biases are null unless the config has attention bias;
   * qNorm/kNorm are null unless it has QK-norm.
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
  public record Layer<M>(
      float[] attnNorm,
      M wq,
      M wk,
      M wv,
      M wo,
      float[] bq,
      float[] bk,
      float[] bv,
      float[] bo,
      float[] qNorm,
      float[] kNorm,
      float[] ffnNorm,
      M wGate,
      M wUp,
      M wDown) {

    /** This block with each projection converted by {@code f}; norms and biases are shared. */
    public <N> Layer<N> map(LlamaConfig c, MatrixConversion<M, N> f) {
      int C = c.dim();
      int F = c.hiddenDim();
      int q = c.queryDim();
      int kv = c.kvDim();
      return new Layer<>(
          attnNorm,
          f.apply(wq, q, C),
          f.apply(wk, kv, C),
          f.apply(wv, kv, C),
          f.apply(wo, C, q),
          bq,
          bk,
          bv,
          bo,
          qNorm,
          kNorm,
          ffnNorm,
          f.apply(wGate, F, C),
          f.apply(wUp, F, C),
          f.apply(wDown, C, F));
    }
  }

  public LlamaWeights {
    layers = List.copyOf(layers);
  }

  @Override
  public float[] outputHead() {
    return classifier;
  }

  @Override
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
      Layer<float[]> l = layers.get(i);
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
