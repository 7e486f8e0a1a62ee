package dev.lathe.transformer;

import java.util.List;
import java.util.function.UnaryOperator;

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
      return map(c, f, v -> v);
    }

    /**
     * This block with each projection converted by {@code f} and each norm and bias by {@code g}
     * (given null for an absent one).
     */
    public <N> Layer<N> map(LlamaConfig c, MatrixConversion<M, N> f, UnaryOperator<float[]> g) {
      int C = c.dim();
      int F = c.hiddenDim();
      int q = c.queryDim();
      int kv = c.kvDim();
      return new Layer<>(
          g.apply(attnNorm),
          f.apply(wq, q, C),
          f.apply(wk, kv, C),
          f.apply(wv, kv, C),
          f.apply(wo, C, q),
          g.apply(bq),
          g.apply(bk),
          g.apply(bv),
          g.apply(bo),
          g.apply(qNorm),
          g.apply(kNorm),
          g.apply(ffnNorm),
          f.apply(wGate, F, C),
          f.apply(wUp, F, C),
          f.apply(wDown, C, F));
    }
  }

  public LlamaWeights {
    layers = List.copyOf(layers);
  }

  @Override
  public LlamaWeights map(LlamaConfig c, UnaryOperator<float[]> f) {
    float[] embedding = f.apply(tokenEmbedding);
    return new LlamaWeights(
        embedding,
        layers.stream().map(l -> l.map(c, (m, rows, cols) -> f.apply(m), f)).toList(),
        f.apply(finalNorm),
        classifier == tokenEmbedding ? embedding : f.apply(classifier));
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
    ShapeCheck.tensor("token embedding", tokenEmbedding, c.vocabSize() * C);
    ShapeCheck.tensor("final norm", finalNorm, C);
    ShapeCheck.tensor("classifier", classifier, c.vocabSize() * C);
    ShapeCheck.blocks(
        layers,
        c.layers(),
        (p, l) -> {
          ShapeCheck.tensor(p + "attention norm", l.attnNorm, C);
          ShapeCheck.tensor(p + "q projection", l.wq, q * C);
          ShapeCheck.tensor(p + "k projection", l.wk, kv * C);
          ShapeCheck.tensor(p + "v projection", l.wv, kv * C);
          ShapeCheck.tensor(p + "o projection", l.wo, C * q);
          ShapeCheck.tensor(p + "ffn norm", l.ffnNorm, C);
          ShapeCheck.tensor(p + "gate projection", l.wGate, F * C);
          ShapeCheck.tensor(p + "up projection", l.wUp, F * C);
          ShapeCheck.tensor(p + "down projection", l.wDown, C * F);
          if (c.attentionBias()) {
            ShapeCheck.tensor(p + "q bias", l.bq, q);
            ShapeCheck.tensor(p + "k bias", l.bk, kv);
            ShapeCheck.tensor(p + "v bias", l.bv, kv);
          }
          if (c.outputBias()) {
            ShapeCheck.tensor(p + "o bias", l.bo, C);
          }
          if (c.qkNorm()) {
            ShapeCheck.tensor(p + "q norm", l.qNorm, c.headDim());
            ShapeCheck.tensor(p + "k norm", l.kNorm, c.headDim());
          }
        });
  }
}
