package dev.lathe.transformer;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The parameters of a GPT-2 model as f32 row-major arrays, every projection stored [out, in]
 * (Hugging Face's Conv1D [in, out] weights are transposed on load). The output head is {@code wte}.
 *
 * @param wte token embedding (V, C)
 * @param wpe position embedding (maxT, C)
 * @param layers one entry per block
 * @param lnfWeight final LayerNorm weight (C)
 * @param lnfBias final LayerNorm bias (C)
 */
public record Gpt2Weights(
    float[] wte, float[] wpe, List<Layer<float[]>> layers, float[] lnfWeight, float[] lnfBias)
    implements ModelWeights<Gpt2Config> {

  /**
   * One block, its four projections held as {@code M}: f32 arrays here, {@link WeightMatrix} in a
   * {@link Gpt2Model}.
   *
   * @param ln1Weight (C)
   * @param ln1Bias (C)
   * @param wQkv fused q, k, v projection (3C, C)
   * @param bQkv (3C)
   * @param wProj attention output projection (C, C)
   * @param bProj (C)
   * @param ln2Weight (C)
   * @param ln2Bias (C)
   * @param wFc (F, C)
   * @param bFc (F)
   * @param wFcProj (C, F)
   * @param bFcProj (C)
   */
  public record Layer<M>(
      float[] ln1Weight,
      float[] ln1Bias,
      M wQkv,
      float[] bQkv,
      M wProj,
      float[] bProj,
      float[] ln2Weight,
      float[] ln2Bias,
      M wFc,
      float[] bFc,
      M wFcProj,
      float[] bFcProj) {

    /** This block with each projection converted by {@code f}; norms and biases are shared. */
    public <N> Layer<N> map(Gpt2Config c, MatrixConversion<M, N> f) {
      return map(c, f, v -> v);
    }

    /**
     * This block with each projection converted by {@code f} and each norm and bias by {@code g}.
     */
    public <N> Layer<N> map(Gpt2Config c, MatrixConversion<M, N> f, UnaryOperator<float[]> g) {
      int C = c.dim();
      int F = c.hiddenDim();
      return new Layer<>(
          g.apply(ln1Weight),
          g.apply(ln1Bias),
          f.apply(wQkv, 3 * C, C),
          g.apply(bQkv),
          f.apply(wProj, C, C),
          g.apply(bProj),
          g.apply(ln2Weight),
          g.apply(ln2Bias),
          f.apply(wFc, F, C),
          g.apply(bFc),
          f.apply(wFcProj, C, F),
          g.apply(bFcProj));
    }
  }

  public Gpt2Weights {
    layers = List.copyOf(layers);
  }

  @Override
  public Gpt2Weights map(Gpt2Config c, UnaryOperator<float[]> f) {
    return new Gpt2Weights(
        f.apply(wte),
        f.apply(wpe),
        layers.stream().map(l -> l.map(c, (m, rows, cols) -> f.apply(m), f)).toList(),
        f.apply(lnfWeight),
        f.apply(lnfBias));
  }

  /** The output head is tied to the token embedding. */
  @Override
  public float[] outputHead() {
    return wte;
  }

  @Override
  public void checkShapes(Gpt2Config c) {
    long C = c.dim();
    long F = c.hiddenDim();
    ShapeCheck.tensor("wte", wte, c.vocabSize() * C);
    ShapeCheck.tensor("wpe", wpe, c.contextLength() * C);
    ShapeCheck.tensor("ln_f weight", lnfWeight, C);
    ShapeCheck.tensor("ln_f bias", lnfBias, C);
    ShapeCheck.blocks(
        layers,
        c.layers(),
        (p, l) -> {
          ShapeCheck.tensor(p + "ln_1 weight", l.ln1Weight, C);
          ShapeCheck.tensor(p + "ln_1 bias", l.ln1Bias, C);
          ShapeCheck.tensor(p + "c_attn weight", l.wQkv, 3 * C * C);
          ShapeCheck.tensor(p + "c_attn bias", l.bQkv, 3 * C);
          ShapeCheck.tensor(p + "attn c_proj weight", l.wProj, C * C);
          ShapeCheck.tensor(p + "attn c_proj bias", l.bProj, C);
          ShapeCheck.tensor(p + "ln_2 weight", l.ln2Weight, C);
          ShapeCheck.tensor(p + "ln_2 bias", l.ln2Bias, C);
          ShapeCheck.tensor(p + "c_fc weight", l.wFc, F * C);
          ShapeCheck.tensor(p + "c_fc bias", l.bFc, F);
          ShapeCheck.tensor(p + "mlp c_proj weight", l.wFcProj, C * F);
          ShapeCheck.tensor(p + "mlp c_proj bias", l.bFcProj, C);
        });
  }
}
