package dev.lathe.transformer.train;

/**
 * What every decoder's training forward saves for backward and the scratch its backward needs, as
 * far as the families agree: the residual stream, the two pre-norm inputs, attention (q, k, v in
 * the layouts {@link SegmentAttention} reads, its log-sum-exp and output), the final norm and the
 * output head's logits chunk. A family adds its norm statistics and feed-forward buffers. Allocated
 * once per (B, T) and reused for every batch of that shape.
 */
abstract sealed class DecoderActivations permits LlamaActivations, Gpt2Activations {
  final int rows; // B
  final int t; // T
  final int n; // B * T
  final int heads; // H
  final int kvHeads; // KVH (H without grouped-query attention)
  final int headDim; // hd

  // saved per layer l
  final float[][] resid; // (L+1) x (N, C): input of block l; resid[L] feeds the final norm
  final float[][] mid; // L x (N, C): residual after the attention block
  final float[][] xn1; // L x (N, C): attention norm output, or one buffer (see xn1(l))
  final float[][] rstd1; // L x (N)
  final float[][] q; // L x (B, T, H, hd) as attention reads it
  final float[][] k; // L x (B, KVH, T, hd)
  final float[][] v; // L x (B, KVH, T, hd)
  final float[][] lse; // L x (B, T, H)
  final float[][] att; // L x (N, H*hd) attention output
  final float[][] xn2; // L x (N, C) feed-forward norm output, or one buffer (see xn2(l))
  final float[][] rstd2; // L x (N)
  final float[] xnFinal; // (N, C)
  final float[] rstdFinal; // (N)
  final int[] segStart; // (B, T)

  // scratch
  final float[] kLin; // (N, KVH*hd) keys as projected, before the head layout
  final float[] proj; // (N, C) output of a projection back into the residual stream
  final float[] scores; // (H/KVH·tile, T)
  final float[] scores2; // (H/KVH·tile, T)
  final float[] qBlock; // (tile·H/KVH, hd)
  final float[] oBlock; // (tile·H/KVH, hd)
  final float[] logits; // (headRows, V)
  final float[] dx; // (N, C) gradient of the residual stream
  final float[] dxn; // (N, C)
  final float[] dAtt; // (N, H*hd)
  final float[] dq; // (N, H*hd)
  final float[] dkT; // (B, KVH, T, hd)
  final float[] dvT; // (B, KVH, T, hd)
  final float[] dk; // (N, KVH*hd)
  final float[] dv; // (N, KVH*hd)

  DecoderActivations(
      int rows, int t, int layers, int dim, int heads, int kvHeads, int headDim, int vocab) {
    this(rows, t, layers, dim, heads, kvHeads, headDim, vocab, false);
  }

  /**
   * As the other constructor; with {@code sharedNorms} the norm outputs {@code xn1} and {@code xn2}
   * are one buffer each instead of one per layer, the family recomputing them in backward.
   */
  DecoderActivations(
      int rows,
      int t,
      int layers,
      int dim,
      int heads,
      int kvHeads,
      int headDim,
      int vocab,
      boolean sharedNorms) {
    this.rows = rows;
    this.t = t;
    this.n = rows * t;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.headDim = headDim;
    int L = layers;
    int C = dim;
    int qd = heads * headDim;
    int kvd = kvHeads * headDim;
    resid = new float[L + 1][n * C];
    mid = new float[L][n * C];
    xn1 = new float[sharedNorms ? 1 : L][n * C];
    rstd1 = new float[L][n];
    q = new float[L][n * qd];
    k = new float[L][n * kvd];
    v = new float[L][n * kvd];
    lse = new float[L][n * heads];
    att = new float[L][n * qd];
    xn2 = new float[sharedNorms ? 1 : L][n * C];
    rstd2 = new float[L][n];
    xnFinal = new float[n * C];
    rstdFinal = new float[n];
    segStart = new int[n];
    kLin = new float[n * kvd];
    proj = new float[n * C];
    int group = heads / kvHeads;
    int tile = Math.min(SegmentAttention.QUERY_TILE, t);
    scores = new float[group * tile * t];
    scores2 = new float[group * tile * t];
    qBlock = new float[group * tile * headDim];
    oBlock = new float[group * tile * headDim];
    logits = new float[OutputHead.headRows(n, vocab) * vocab];
    dx = new float[n * C];
    dxn = new float[n * C];
    dAtt = new float[n * qd];
    dq = new float[n * qd];
    dkT = new float[n * kvd];
    dvT = new float[n * kvd];
    dk = new float[n * kvd];
    dv = new float[n * kvd];
  }

  /** The attention norm output buffer of layer {@code l}. */
  final float[] xn1(int l) {
    return xn1[xn1.length == 1 ? 0 : l];
  }

  /** The feed-forward norm output buffer of layer {@code l}. */
  final float[] xn2(int l) {
    return xn2[xn2.length == 1 ? 0 : l];
  }
}
