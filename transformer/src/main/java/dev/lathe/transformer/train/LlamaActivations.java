package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;

/**
 * Everything the Llama-family training forward saves for backward, plus the scratch backward needs,
 * allocated once per (B, T) and reused for every batch of that shape. With {@code recompute} the
 * gate and up projections and the SwiGLU output are not kept per layer but recomputed in backward
 * from the saved norm output (LoRA dropout masks replayed): three (B, T, F) buffers instead of 3L,
 * for two more (N, C)·(C, F) products per layer.
 */
final class LlamaActivations {
  /**
   * Most logits the output head holds at once (32 Mi floats, 128 MB): its rows are processed in
   * chunks of {@link #headRows} so that the (B·T, V) logits never exist whole. Large chunks matter
   * for speed: each chunk re-packs the (V, C) head matrix for its three products.
   */
  static final int HEAD_FLOATS = 1 << 25;

  /** Rows of the output head processed together: as many as {@link #HEAD_FLOATS} allow, >= 64. */
  static int headRows(int n, int vocab) {
    return Math.min(n, Math.max(64, HEAD_FLOATS / vocab));
  }

  final int rows; // B
  final int t; // T
  final int n; // B * T

  // saved per layer l
  final float[][] resid; // (L+1) x (N, C): input of block l; resid[L] feeds the final norm
  final float[][] mid; // L x (N, C): residual after the attention block
  final float[][] xn1; // L x (N, C): attention norm output
  final float[][] rstd1; // L x (N)
  final float[][] qRaw; // L x (N, H*hd) before QK-norm (QK-norm only)
  final float[][] qRstd; // L x (N*H) (QK-norm only)
  final float[][] kRaw; // L x (N, KVH*hd) before QK-norm (QK-norm only)
  final float[][] kRstd; // L x (N*KVH) (QK-norm only)
  final float[][] q; // L x (B, T, H, hd) after RoPE
  final float[][] k; // L x (B, KVH, T, hd) after RoPE
  final float[][] v; // L x (B, KVH, T, hd)
  final float[][] lse; // L x (B, T, H)
  final float[][] att; // L x (N, H*hd) attention output
  final float[][] xn2; // L x (N, C)
  final float[][] rstd2; // L x (N)
  final float[][] gate; // L x (N, F), or one shared buffer when recomputed
  final float[][] up; // L x (N, F), or one shared buffer when recomputed
  final float[][] hidden; // L x (N, F) silu(gate)·up, or one shared buffer when recomputed
  final float[] xnFinal; // (N, C)
  final float[] rstdFinal; // (N)
  final int[] segStart; // (B, T)

  // scratch
  final float[] kLin; // (N, KVH*hd)
  final float[] vLin; // (N, KVH*hd)
  final float[] proj; // (N, C)
  final float[] scores; // (H/KVH·tile, T)
  final float[] scores2; // (H/KVH·tile, T)
  final float[] qBlock; // (tile·H/KVH, hd)
  final float[] oBlock; // (tile·H/KVH, hd)
  final float[] logits; // (headRows, V)
  final float[] dx; // (N, C) gradient of the residual stream
  final float[] dxn; // (N, C)
  final float[] dHidden; // (N, F)
  final float[] dGate; // (N, F)
  final float[] dUp; // (N, F)
  final float[] dAtt; // (N, H*hd)
  final float[] dq; // (N, H*hd)
  final float[] dqRaw; // (N, H*hd)
  final float[] dkT; // (B, KVH, T, hd)
  final float[] dvT; // (B, KVH, T, hd)
  final float[] dk; // (N, KVH*hd)
  final float[] dkRaw; // (N, KVH*hd)
  final float[] dv; // (N, KVH*hd)

  LlamaActivations(LlamaConfig c, int rows, int t, boolean recompute) {
    this.rows = rows;
    this.t = t;
    this.n = rows * t;
    int L = c.layers();
    int C = c.dim();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    boolean qk = c.qkNorm();
    resid = new float[L + 1][n * C];
    mid = new float[L][n * C];
    xn1 = new float[L][n * C];
    rstd1 = new float[L][n];
    qRaw = qk ? new float[L][n * qd] : null;
    qRstd = qk ? new float[L][n * c.heads()] : null;
    kRaw = qk ? new float[L][n * kvd] : null;
    kRstd = qk ? new float[L][n * c.kvHeads()] : null;
    q = new float[L][n * qd];
    k = new float[L][n * kvd];
    v = new float[L][n * kvd];
    lse = new float[L][n * c.heads()];
    att = new float[L][n * qd];
    xn2 = new float[L][n * C];
    rstd2 = new float[L][n];
    gate = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    up = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    hidden = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    xnFinal = new float[n * C];
    rstdFinal = new float[n];
    segStart = new int[n];
    kLin = new float[n * kvd];
    vLin = new float[n * kvd];
    proj = new float[n * C];
    int group = c.heads() / c.kvHeads();
    int tile = Math.min(SegmentAttention.QUERY_TILE, t);
    scores = new float[group * tile * t];
    scores2 = new float[group * tile * t];
    qBlock = new float[group * tile * c.headDim()];
    oBlock = new float[group * tile * c.headDim()];
    logits = new float[headRows(n, c.vocabSize()) * c.vocabSize()];
    dx = new float[n * C];
    dxn = new float[n * C];
    dHidden = new float[n * F];
    dGate = new float[n * F];
    dUp = new float[n * F];
    dAtt = new float[n * qd];
    dq = new float[n * qd];
    dqRaw = qk ? new float[n * qd] : null;
    dkT = new float[n * kvd];
    dvT = new float[n * kvd];
    dk = new float[n * kvd];
    dkRaw = qk ? new float[n * kvd] : null;
    dv = new float[n * kvd];
  }

  /** The gate projection output of layer {@code l}. */
  float[] gate(int l) {
    return gate[gate.length == 1 ? 0 : l];
  }

  /** The up projection output of layer {@code l}. */
  float[] up(int l) {
    return up[up.length == 1 ? 0 : l];
  }

  /** The SwiGLU output buffer of layer {@code l}. */
  float[] hidden(int l) {
    return hidden[hidden.length == 1 ? 0 : l];
  }

  /**
   * Between the (B, T, KVH, hd) layout of a projection and the (B, KVH, T, hd) layout attention
   * reads; {@code toHeads} picks the direction.
   */
  static void transpose(
      float[] tokens, float[] heads, int rows, int t, int kvHeads, int hd, boolean toHeads) {
    for (int b = 0; b < rows; b++) {
      for (int i = 0; i < t; i++) {
        for (int g = 0; g < kvHeads; g++) {
          int a = ((b * t + i) * kvHeads + g) * hd;
          int h = ((b * kvHeads + g) * t + i) * hd;
          if (toHeads) {
            System.arraycopy(tokens, a, heads, h, hd);
          } else {
            System.arraycopy(heads, h, tokens, a, hd);
          }
        }
      }
    }
  }
}
