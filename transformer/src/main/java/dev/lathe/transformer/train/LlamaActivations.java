package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;

/**
 * The Llama family's part of the training activations: QK-norm inputs and statistics and the SwiGLU
 * feed-forward. With {@code recompute} the gate and up projections and the SwiGLU output are not
 * kept per layer but recomputed in backward from the saved norm output (LoRA dropout masks
 * replayed): three (B, T, F) buffers instead of 3L, for two more (N, C)·(C, F) products per layer;
 * and the two RMSNorm outputs of each block are recomputed from the kept residual and statistics
 * (two (N, C) buffers instead of 2L).
 */
final class LlamaActivations extends DecoderActivations {
  // saved per layer l
  final float[][] qRaw; // L x (N, H*hd) before QK-norm (QK-norm only)
  final float[][] qRstd; // L x (N*H) (QK-norm only)
  final float[][] kRaw; // L x (N, KVH*hd) before QK-norm (QK-norm only)
  final float[][] kRstd; // L x (N*KVH) (QK-norm only)
  final float[][] gate; // L x (N, F), or one shared buffer when recomputed
  final float[][] up; // L x (N, F), or one shared buffer when recomputed
  final float[][] hidden; // L x (N, F) silu(gate)·up, or one shared buffer when recomputed

  // scratch
  final float[] vLin; // (N, KVH*hd)
  final float[] dHidden; // (N, F)
  final float[] dGate; // (N, F)
  final float[] dUp; // (N, F)
  final float[] dqRaw; // (N, H*hd)
  final float[] dkRaw; // (N, KVH*hd)

  LlamaActivations(LlamaConfig c, int rows, int t, boolean recompute) {
    super(
        rows,
        t,
        c.layers(),
        c.dim(),
        c.heads(),
        c.kvHeads(),
        c.headDim(),
        c.vocabSize(),
        recompute);
    int L = c.layers();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    boolean qk = c.qkNorm();
    qRaw = qk ? new float[L][n * qd] : null;
    qRstd = qk ? new float[L][n * c.heads()] : null;
    kRaw = qk ? new float[L][n * kvd] : null;
    kRstd = qk ? new float[L][n * c.kvHeads()] : null;
    gate = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    up = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    hidden = recompute ? new float[][] {new float[n * F]} : new float[L][n * F];
    vLin = new float[n * kvd];
    dHidden = new float[n * F];
    dGate = new float[n * F];
    dUp = new float[n * F];
    dqRaw = qk ? new float[n * qd] : null;
    dkRaw = qk ? new float[n * kvd] : null;
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
}
