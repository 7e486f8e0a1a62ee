package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;

/**
 * GPT-2's part of the training activations: the LayerNorm means, the fused q|k|v projection and the
 * GELU MLP. With {@code recompute} the GELU output is recomputed in backward from the saved
 * pre-activation instead of being kept per layer.
 */
final class Gpt2Activations extends DecoderActivations {
  final float[][] mean1; // L x (N)
  final float[][] mean2; // L x (N)
  final float[][] fc; // L x (N, F) before GELU
  final float[][] act; // L x (N, F) after GELU, or one shared buffer when recomputed
  final float[] meanFinal; // (N)

  final float[] qkv; // (N, 3C) scratch; reused as d qkv in backward
  final float[] dAct; // (N, F)
  final float[] dFc; // (N, F)

  Gpt2Activations(Gpt2Config c, int rows, int t, boolean recompute) {
    super(rows, t, c.layers(), c.dim(), c.heads(), c.heads(), c.headDim(), c.vocabSize());
    int L = c.layers();
    int C = c.dim();
    int F = c.hiddenDim();
    mean1 = new float[L][n];
    mean2 = new float[L][n];
    fc = new float[L][n * F];
    act = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    meanFinal = new float[n];
    qkv = new float[n * 3 * C];
    dAct = new float[n * F];
    dFc = new float[n * F];
  }

  /** The GELU output buffer of layer {@code l}. */
  float[] act(int l) {
    return act[act.length == 1 ? 0 : l];
  }
}
