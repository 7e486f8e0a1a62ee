package dev.lathe.transformer.train;

import dev.lathe.tensor.Bf16;
import dev.lathe.tensor.Residual;
import dev.lathe.tensor.RmsNorm;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.SwiGlu;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.ModelFamily;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Training forward and backward of a Llama-family decoder (Llama 2/3, Mistral, Qwen2 with q/k/v
 * bias, Qwen3 with QK-norm) over (B, T) batches, read top to bottom like {@code LlamaModel}: the
 * same blocks, but every activation backward needs is kept in a {@link LlamaActivations} arena,
 * attention stays inside each packed example, and positions come from the batch.
 *
 * <p>Built by its {@link ModelFamily} (through {@link Training}); the parameters, arena and
 * attention are {@link DecoderTrainer}'s.
 */
public final class LlamaTrainer
    extends DecoderTrainer<LlamaConfig, LlamaWeights, LlamaLayers, LlamaActivations> {
  private final Rope.Table rope;
  private final short[] embeddingBf16; // (V, C) or null (then weights.tokenEmbedding())

  /** The f32 norms and biases of {@code bf16}, its matrices null (they stay in bf16). */
  private static LlamaWeights frame(LlamaConfig config, LlamaModel.Bf16Weights bf16) {
    return new LlamaWeights(
        null,
        bf16.layers().stream().map(b -> b.map(config, (m, rows, cols) -> (float[]) null)).toList(),
        bf16.finalNorm(),
        null);
  }

  /** Built by its family ({@link ModelFamily#trainer}). */
  LlamaTrainer(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig config,
      LlamaWeights weights,
      Setup setup) {
    this(family, config, weights, null, setup);
  }

  /**
   * LoRA over a model held in bf16: the frozen matrices are {@code bf16}'s arrays, read as they are
   * (no f32 copy of the base exists); the adapters and their optimizer state are f32.
   */
  LlamaTrainer(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig config,
      LlamaModel.Bf16Weights bf16,
      Setup setup) {
    this(family, config, frame(config, bf16), bf16, setup);
  }

  private LlamaTrainer(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig config,
      LlamaWeights weights,
      LlamaModel.Bf16Weights bf16,
      Setup setup) {
    super(
        family,
        config,
        weights,
        bf16 == null ? null : bf16.classifier(),
        setup,
        (f, c, w, s) -> new LlamaLayers(f, c, w, bf16, s),
        LlamaActivations::new);
    this.embeddingBf16 = bf16 == null ? null : bf16.tokenEmbedding();
    this.rope =
        Rope.Table.of(
            config.headDim(), config.contextLength(), config.ropeTheta(), config.ropeScaling());
  }

  @Override
  void forward(TokenBatch batch, LlamaActivations a, RandomGenerator rnd) {
    int[] pos = batch.positions();
    LlamaConfig cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    int hd = cf.headDim();
    float eps = cf.normEps();
    // resid[0]: (N, C) = token embedding rows
    for (int i = 0; i < n; i++) {
      if (embeddingBf16 != null) {
        Bf16.toFloat(embeddingBf16, batch.tokens()[i] * c, a.resid[0], i * c, c);
      } else {
        System.arraycopy(weights.tokenEmbedding(), batch.tokens()[i] * c, a.resid[0], i * c, c);
      }
    }
    for (int l = 0; l < cf.layers(); l++) {
      LlamaWeights.Layer<Projection> w = params.block(l);
      float[] x = a.resid[l];
      // attention block: q, k, v from rmsnorm(x)
      RmsNorm.forward(a.xn1(l), 0, x, 0, w.attnNorm(), a.rstd1[l], n, c, eps);
      float[] xn = a.xn1(l);
      w.wq().forward(cf.qkNorm() ? a.qRaw[l] : a.q[l], xn, n, adapters, rnd);
      w.wk().forward(cf.qkNorm() ? a.kRaw[l] : a.kLin, xn, n, adapters, rnd);
      w.wv().forward(a.vLin, xn, n, adapters, rnd);
      if (cf.qkNorm()) { // per-head RMSNorm: (N*H, hd) rows
        RmsNorm.forward(a.q[l], 0, a.qRaw[l], 0, w.qNorm(), a.qRstd[l], n * cf.heads(), hd, eps);
        RmsNorm.forward(a.kLin, 0, a.kRaw[l], 0, w.kNorm(), a.kRstd[l], n * cf.kvHeads(), hd, eps);
      }
      for (int i = 0; i < n; i++) {
        Rope.forward(cf.ropeStyle(), a.q[l], i * qd, cf.heads(), rope, pos[i]);
        Rope.forward(cf.ropeStyle(), a.kLin, i * kvd, cf.kvHeads(), rope, pos[i]);
      }
      attentionForward(a, l, a.vLin);
      w.wo().forward(a.proj, a.att[l], n, adapters, rnd);
      Residual.forward(a.mid[l], 0, x, 0, a.proj, 0, n * c);
      // feed-forward block: down(silu(gate(xn)) · up(xn))
      RmsNorm.forward(a.xn2(l), 0, a.mid[l], 0, w.ffnNorm(), a.rstd2[l], n, c, eps);
      w.wGate().forward(a.gate(l), a.xn2(l), n, adapters, rnd);
      w.wUp().forward(a.up(l), a.xn2(l), n, adapters, rnd);
      SwiGlu.forward(a.hidden(l), a.gate(l), a.up(l), n * f);
      w.wDown().forward(a.proj, a.hidden(l), n, adapters, rnd);
      Residual.forward(a.resid[l + 1], 0, a.mid[l], 0, a.proj, 0, n * c);
    }
    float[] last = a.resid[cf.layers()];
    RmsNorm.forward(a.xnFinal, 0, last, 0, weights.finalNorm(), a.rstdFinal, n, c, eps);
  }

  @Override
  void backward(TokenBatch batch, LlamaActivations a) {
    int[] pos = batch.positions();
    LlamaConfig cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    int hd = cf.headDim();
    float eps = cf.normEps();
    // dx: (N, C) = d loss / d resid[L], through the final norm (dxn holds d loss / d xnFinal)
    RmsNorm.backward(
        a.dx,
        0,
        grads.finalNorm(),
        a.dxn,
        0,
        a.resid[cf.layers()],
        0,
        weights.finalNorm(),
        a.rstdFinal,
        n,
        c);
    for (int l = cf.layers() - 1; l >= 0; l--) {
      LlamaWeights.Layer<Projection> w = params.block(l);
      LlamaWeights.Layer<float[]> g = grads.layers().get(l);
      // feed-forward block; dx is d resid[l+1] and also d down-projection output
      if (recompute) {
        // the same kernel on the same kept inputs: the same bits as forward
        RmsNorm.forward(a.xn2(l), 0, a.mid[l], 0, w.ffnNorm(), a.rstd2[l], n, c, eps);
        w.wGate().replay(a.gate(l), a.xn2(l), n, adapters);
        w.wUp().replay(a.up(l), a.xn2(l), n, adapters);
        SwiGlu.forward(a.hidden(l), a.gate(l), a.up(l), n * f);
      }
      Arrays.fill(a.dHidden, 0f);
      w.wDown().backward(a.dHidden, a.dx, a.hidden(l), n, adapters);
      Arrays.fill(a.dGate, 0f);
      Arrays.fill(a.dUp, 0f);
      SwiGlu.backward(a.dGate, a.dUp, a.dHidden, a.gate(l), a.up(l), n * f);
      Arrays.fill(a.dxn, 0f);
      w.wGate().backward(a.dxn, a.dGate, a.xn2(l), n, adapters);
      w.wUp().backward(a.dxn, a.dUp, a.xn2(l), n, adapters);
      RmsNorm.backward(a.dx, 0, g.ffnNorm(), a.dxn, 0, a.mid[l], 0, w.ffnNorm(), a.rstd2[l], n, c);
      // attention block; dx is now d mid[l]
      Arrays.fill(a.dAtt, 0f);
      w.wo().backward(a.dAtt, a.dx, a.att[l], n, adapters);
      attentionBackward(a, l);
      for (int i = 0; i < n; i++) {
        Rope.backward(cf.ropeStyle(), a.dq, i * qd, cf.heads(), rope, pos[i]);
        Rope.backward(cf.ropeStyle(), a.dk, i * kvd, cf.kvHeads(), rope, pos[i]);
      }
      float[] dq = a.dq;
      float[] dk = a.dk;
      if (cf.qkNorm()) {
        Arrays.fill(a.dqRaw, 0f);
        Arrays.fill(a.dkRaw, 0f);
        RmsNorm.backward(
            a.dqRaw,
            0,
            g.qNorm(),
            a.dq,
            0,
            a.qRaw[l],
            0,
            w.qNorm(),
            a.qRstd[l],
            n * cf.heads(),
            hd);
        RmsNorm.backward(
            a.dkRaw,
            0,
            g.kNorm(),
            a.dk,
            0,
            a.kRaw[l],
            0,
            w.kNorm(),
            a.kRstd[l],
            n * cf.kvHeads(),
            hd);
        dq = a.dqRaw;
        dk = a.dkRaw;
      }
      if (recompute) {
        RmsNorm.forward(a.xn1(l), 0, a.resid[l], 0, w.attnNorm(), a.rstd1[l], n, c, eps);
      }
      Arrays.fill(a.dxn, 0f);
      w.wq().backward(a.dxn, dq, a.xn1(l), n, adapters);
      w.wk().backward(a.dxn, dk, a.xn1(l), n, adapters);
      w.wv().backward(a.dxn, a.dv, a.xn1(l), n, adapters);
      RmsNorm.backward(
          a.dx, 0, g.attnNorm(), a.dxn, 0, a.resid[l], 0, w.attnNorm(), a.rstd1[l], n, c);
    }
    // embedding: scatter dx rows into the rows of the tokens (tied: adds to the head's gradient)
    float[] dEmb = grads.tokenEmbedding();
    if (dEmb != null) {
      for (int i = 0; i < n; i++) {
        int row = batch.tokens()[i] * c;
        for (int j = 0; j < c; j++) {
          dEmb[row + j] += a.dx[i * c + j];
        }
      }
    }
  }
}
