package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;

/**
 * Everything the GPT-2 training forward saves for backward, plus backward's scratch, allocated once
 * per (B, T). With {@code recompute} the GELU output is recomputed in backward from the saved
 * pre-activation instead of being kept per layer.
 */
final class Gpt2Activations {
  final int rows; // B
  final int t; // T
  final int n; // B * T

  final float[][] resid; // (L+1) x (N, C)
  final float[][] mid; // L x (N, C) residual after attention
  final float[][] xn1; // L x (N, C) ln_1 output
  final float[][] mean1; // L x (N)
  final float[][] rstd1; // L x (N)
  final float[][] q; // L x (B, T, H, hd)
  final float[][] k; // L x (B, H, T, hd)
  final float[][] v; // L x (B, H, T, hd)
  final float[][] lse; // L x (B, T, H)
  final float[][] att; // L x (N, C)
  final float[][] xn2; // L x (N, C)
  final float[][] mean2; // L x (N)
  final float[][] rstd2; // L x (N)
  final float[][] fc; // L x (N, F) before GELU
  final float[][] act; // L x (N, F) after GELU, or one shared buffer when recomputed
  final float[] xnFinal; // (N, C)
  final float[] meanFinal; // (N)
  final float[] rstdFinal; // (N)
  final int[] segStart; // (B, T)

  final float[] qkv; // (N, 3C) scratch; reused as d qkv in backward
  final float[] kLin; // (N, C)
  final float[] proj; // (N, C)
  final float[] scores; // (tile, T)
  final float[] scores2; // (tile, T)
  final float[] qBlock; // (tile, hd)
  final float[] oBlock; // (tile, hd)
  final float[] logits; // (headRows, V)
  final float[] dx; // (N, C)
  final float[] dxn; // (N, C)
  final float[] dAct; // (N, F)
  final float[] dFc; // (N, F)
  final float[] dAtt; // (N, C)
  final float[] dq; // (N, C)
  final float[] dkT; // (B, H, T, hd)
  final float[] dvT; // (B, H, T, hd)
  final float[] dk; // (N, C)
  final float[] dv; // (N, C)

  Gpt2Activations(Gpt2Config c, int rows, int t, boolean recompute) {
    this.rows = rows;
    this.t = t;
    this.n = rows * t;
    int L = c.layers();
    int C = c.dim();
    int F = c.hiddenDim();
    resid = new float[L + 1][n * C];
    mid = new float[L][n * C];
    xn1 = new float[L][n * C];
    mean1 = new float[L][n];
    rstd1 = new float[L][n];
    q = new float[L][n * C];
    k = new float[L][n * C];
    v = new float[L][n * C];
    lse = new float[L][n * c.heads()];
    att = new float[L][n * C];
    xn2 = new float[L][n * C];
    mean2 = new float[L][n];
    rstd2 = new float[L][n];
    fc = new float[L][n * F];
    act = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    xnFinal = new float[n * C];
    meanFinal = new float[n];
    rstdFinal = new float[n];
    segStart = new int[n];
    qkv = new float[n * 3 * C];
    kLin = new float[n * C];
    proj = new float[n * C];
    int tile = Math.min(SegmentAttention.QUERY_TILE, t);
    scores = new float[tile * t];
    scores2 = new float[tile * t];
    qBlock = new float[tile * c.headDim()];
    oBlock = new float[tile * c.headDim()];
    logits = new float[LlamaActivations.headRows(n, c.vocabSize()) * c.vocabSize()];
    dx = new float[n * C];
    dxn = new float[n * C];
    dAct = new float[n * F];
    dFc = new float[n * F];
    dAtt = new float[n * C];
    dq = new float[n * C];
    dkT = new float[n * C];
    dvT = new float[n * C];
    dk = new float[n * C];
    dv = new float[n * C];
  }

  /** The GELU output buffer of layer {@code l}. */
  float[] act(int l) {
    return act[act.length == 1 ? 0 : l];
  }
}
