package dev.lathe.transformer;

import dev.lathe.tensor.Residual;
import dev.lathe.tensor.RmsNorm;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.SwiGlu;

/**
 * The prompts of several sequences of one base run through the model in one pass: every base
 * projection is one GEMM over all their positions ({@link WeightMatrix#mulPrompt}, the weights
 * packed once for all), while adapters, RoPE and attention run per sequence in its own cache's
 * arena, as its own forward would run them.
 *
 * <p>A position's arithmetic does not depend on the other sequences: the packed product computes
 * each row the same way whatever the number of rows, and the per-sequence parts see only their
 * sequence. So a chunk of a prompt gets the same bits in any company, and the bits of its own
 * {@link LanguageModel#forward} whenever it is longer than one position (there a single position
 * goes to the mat-vec instead). Buffers grow to the largest pass seen and are reused.
 */
final class BatchPrefill {
  private final LlamaConfig config;
  private int capacity; // positions the buffers hold
  private float[] x; // (T, C) residual stream
  private float[] xb; // (T, C)
  private float[] proj; // (T, C)
  private float[] q; // (T, H, hd)
  private float[] k; // (T, KVH, hd)
  private float[] v; // (T, KVH, hd)
  private float[] att; // (T, H, hd)
  private float[] gate; // (T, F)
  private float[] up; // (T, F)

  BatchPrefill(LlamaConfig config) {
    this.config = config;
  }

  LlamaConfig config() {
    return config;
  }

  private void ensure(int t) {
    if (t <= capacity) {
      return;
    }
    LlamaConfig c = config;
    capacity = t;
    x = new float[t * c.dim()];
    xb = new float[t * c.dim()];
    proj = new float[t * c.dim()];
    q = new float[t * c.queryDim()];
    k = new float[t * c.kvDim()];
    v = new float[t * c.kvDim()];
    att = new float[t * c.queryDim()];
    gate = new float[t * c.hiddenDim()];
    up = new float[t * c.hiddenDim()];
  }

  /**
   * Feeds {@code tokens[i][from[i] .. from[i] + count[i])} to {@code models[i]} at the end of
   * {@code caches[i]} for {@code i < rows} (checked by the caller: one base, each cache its model's
   * with room, each count within its cache's chunk), and writes the logits of row i's last position
   * into {@code logits[i]} when that is not null.
   */
  void run(
      LlamaModel[] models,
      AttentionCache<LlamaModel.Activations>[] caches,
      int[][] tokens,
      int[] from,
      int[] count,
      float[][] logits,
      int rows) {
    LlamaConfig cf = config;
    LlamaModel.Held held = models[0].held;
    int c = cf.dim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    int t = 0;
    for (int i = 0; i < rows; i++) {
      t += count[i];
    }
    ensure(t);
    for (int i = 0, at = 0; i < rows; at += count[i], i++) {
      held.tokenEmbedding().embed(x, at, tokens[i], from[i], count[i]);
    }
    for (int l = 0; l < cf.layers(); l++) {
      LlamaWeights.Layer<WeightMatrix> w = held.blocks().get(l);
      // attention block
      RmsNorm.forward(xb, 0, x, 0, w.attnNorm(), null, t, c, cf.normEps());
      project(q, xb, w.wq(), w.bq(), t);
      project(k, xb, w.wk(), w.bk(), t);
      project(v, xb, w.wv(), w.bv(), t);
      for (int i = 0, at = 0; i < rows; at += count[i], i++) {
        LlamaModel.BlockLora d = models[i].lora(l);
        if (d != null) {
          float[] scratch = caches[i].arena.lora;
          add(d.q(), q, xb, at, count[i], scratch);
          add(d.k(), k, xb, at, count[i], scratch);
          add(d.v(), v, xb, at, count[i], scratch);
        }
      }
      if (cf.qkNorm()) {
        RmsNorm.forward(q, 0, q, 0, w.qNorm(), null, t * cf.heads(), cf.headDim(), cf.normEps());
        RmsNorm.forward(k, 0, k, 0, w.kNorm(), null, t * cf.kvHeads(), cf.headDim(), cf.normEps());
      }
      for (int i = 0, at = 0; i < rows; at += count[i], i++) {
        AttentionCache<LlamaModel.Activations> cache = caches[i];
        LlamaModel.Activations a = cache.arena;
        int n = count[i];
        int pos0 = cache.length();
        for (int r = 0; r < n; r++) {
          Rope.forward(cf.ropeStyle(), q, (at + r) * qd, cf.heads(), held.rope(), pos0 + r);
          Rope.forward(cf.ropeStyle(), k, (at + r) * kvd, cf.kvHeads(), held.rope(), pos0 + r);
        }
        System.arraycopy(q, at * qd, a.q, 0, n * qd);
        System.arraycopy(k, at * kvd, a.k, 0, n * kvd);
        System.arraycopy(v, at * kvd, a.v, 0, n * kvd);
        models[i].attend(cache, a, l, n, pos0);
        System.arraycopy(a.att, 0, att, at * qd, n * qd);
      }
      project(proj, att, w.wo(), w.bo(), t);
      for (int i = 0, at = 0; i < rows; at += count[i], i++) {
        LlamaModel.BlockLora d = models[i].lora(l);
        if (d != null) {
          add(d.o(), proj, att, at, count[i], caches[i].arena.lora);
        }
      }
      Residual.forward(x, 0, x, 0, proj, 0, t * c);
      // feed-forward block
      RmsNorm.forward(xb, 0, x, 0, w.ffnNorm(), null, t, c, cf.normEps());
      project(gate, xb, w.wGate(), null, t);
      project(up, xb, w.wUp(), null, t);
      for (int i = 0, at = 0; i < rows; at += count[i], i++) {
        LlamaModel.BlockLora d = models[i].lora(l);
        if (d != null) {
          add(d.gate(), gate, xb, at, count[i], caches[i].arena.lora);
          add(d.up(), up, xb, at, count[i], caches[i].arena.lora);
        }
      }
      SwiGlu.forward(gate, gate, up, t * cf.hiddenDim());
      project(proj, gate, w.wDown(), null, t);
      for (int i = 0, at = 0; i < rows; at += count[i], i++) {
        LlamaModel.BlockLora d = models[i].lora(l);
        if (d != null) {
          add(d.down(), proj, gate, at, count[i], caches[i].arena.lora);
        }
      }
      Residual.forward(x, 0, x, 0, proj, 0, t * c);
    }
    for (int i = 0, at = 0; i < rows; at += count[i], i++) {
      caches[i].advance(count[i]);
      if (logits[i] != null) {
        int last = at + count[i] - 1;
        RmsNorm.forward(xb, 0, x, last * c, held.finalNorm(), null, 1, c, cf.normEps());
        held.classifier().mulNT(xb, 0, logits[i], 0, 1);
      }
    }
  }

  /** {@code out = in · Wᵀ + bias} for every position. */
  private static void project(float[] out, float[] in, WeightMatrix weight, float[] bias, int t) {
    weight.mulPrompt(in, out, t);
    Linear.addBias(out, bias, t, weight.rows);
  }

  /** A sequence's adapter delta on its {@code n} positions from row {@code at}, when it has one. */
  private static void add(
      AdapterSet.Delta d, float[] y, float[] x, int at, int n, float[] scratch) {
    if (d != null) {
      d.addTo(y, at * d.out(), x, at * d.in(), n, scratch);
    }
  }
}
