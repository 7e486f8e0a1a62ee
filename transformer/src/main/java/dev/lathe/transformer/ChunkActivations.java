package dev.lathe.transformer;

/**
 * What every decoder's inference forward keeps for one chunk of positions, as far as the families
 * agree: the residual stream, a sub-block's normalised input, q, k, v and the attention output, a
 * projection's output, and the attention and adapter scratch. A family adds its feed-forward
 * buffers. Sized once per {@link KvCache}.
 */
abstract sealed class ChunkActivations permits LlamaModel.Activations, Gpt2Model.Activations {
  final float[] x; // (T, C) residual stream
  final float[] xb; // (T, C) normalised input of a sub-block
  final float[] proj; // (T, C) output of a projection back into the residual stream
  final float[] q; // (T, H, hd)
  final float[] k; // (T, KVH, hd)
  final float[] v; // (T, KVH, hd)
  final float[] att; // (T, H, hd) attention output
  final float[] scores; // (threads, group, capacity) attention scratch
  final float[] lora; // (T, r) adapter scratch, empty without adapters

  ChunkActivations(ModelConfig c, int t, int capacity, int loraRank) {
    int qd = c.heads() * c.headDim();
    int kvd = c.kvHeads() * c.headDim();
    x = new float[t * c.dim()];
    xb = new float[t * c.dim()];
    proj = new float[t * c.dim()];
    q = new float[t * qd];
    k = new float[t * kvd];
    v = new float[t * kvd];
    att = new float[t * qd];
    scores = new float[CausalAttention.scratchSize(capacity, c.heads() / c.kvHeads())];
    lora = new float[t * loraRank];
  }

  /** Positions one chunk holds. */
  final int rows(ModelConfig c) {
    return x.length / c.dim();
  }
}
