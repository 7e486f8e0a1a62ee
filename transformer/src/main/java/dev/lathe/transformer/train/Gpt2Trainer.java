package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gelu;
import dev.lathe.tensor.LayerNorm;
import dev.lathe.tensor.Residual;
import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Training forward and backward of GPT-2 over (B, T) batches, read top to bottom like {@code
 * Gpt2Model}: token plus learned position embedding (positions from the batch), per block {@code x
 * += c_proj(attention(c_attn(ln_1(x))))} and {@code x += mlp.c_proj(gelu(c_fc(ln_2(x))))}, final
 * LayerNorm and the head tied to {@code wte} (its gradient and the embedding's add up). Attention
 * stays inside each packed example. Built by {@link Training}; not thread-safe.
 */
public final class Gpt2Trainer implements TrainableModel {
  private final Gpt2Config config;
  private final Gpt2Weights weights;
  private final Gpt2Layers params;
  private final RandomGenerator dropoutRandom;
  private final boolean recompute;
  private final ComputePool pool;
  private boolean adapters = true;
  private Gpt2Activations arena;

  Gpt2Trainer(
      Gpt2Config config,
      Gpt2Weights weights,
      LoraConfig lora,
      RandomGenerator random,
      boolean recompute,
      ComputePool pool) {
    weights.checkShapes(config);
    this.pool = pool;
    this.config = config;
    this.weights = weights;
    this.params = new Gpt2Layers(config, weights, lora, random, pool);
    this.dropoutRandom = random;
    this.recompute = recompute;
  }

  public Gpt2Config config() {
    return config;
  }

  @Override
  public List<Parameter> trainableParameters() {
    return params.parameters();
  }

  /** The trainable parameter called {@code name}; a clear error lists what exists otherwise. */
  @Override
  public Parameter parameter(String name) {
    return params.parameter(name);
  }

  /** The base weights with every adapter merged in, as new arrays; the base is not touched. */
  public Gpt2Weights mergedWeights() {
    return params.merged(weights);
  }

  @Override
  public void setAdaptersEnabled(boolean enabled) {
    if (!enabled && !params.lora()) {
      throw new IllegalStateException(
          "full fine-tuning has no adapters to switch off; use a LoRA trainer for a frozen base");
    }
    adapters = enabled;
  }

  @Override
  public BatchResult forwardBackward(TokenBatch batch, float[] segmentScale) {
    OutputHead.validate(batch, segmentScale, config.vocabSize(), config.contextLength());
    Gpt2Activations a = arena(batch);
    BatchResult result = forward(batch, segmentScale, a, true);
    backward(batch, a);
    return result;
  }

  @Override
  public BatchResult evaluate(TokenBatch batch) {
    OutputHead.validate(batch, null, config.vocabSize(), config.contextLength());
    return forward(batch, null, arena(batch), false);
  }

  private Gpt2Activations arena(TokenBatch batch) {
    if (arena == null || arena.rows != batch.rows() || arena.t != batch.seqLen()) {
      arena = null;
      arena = new Gpt2Activations(config, batch.rows(), batch.seqLen(), recompute);
    }
    return arena;
  }

  private BatchResult forward(
      TokenBatch batch, float[] segmentScale, Gpt2Activations a, boolean train) {
    Gpt2Config cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int hd = cf.headDim();
    float eps = cf.normEps();
    RandomGenerator rnd = train ? dropoutRandom : null;
    SegmentAttention.segmentStarts(a.segStart, batch.segments(), a.rows, a.t);
    // resid[0]: (N, C) = wte[token] + wpe[position]
    for (int i = 0; i < n; i++) {
      int tok = batch.tokens()[i] * c;
      int pos = batch.positions()[i] * c;
      for (int j = 0; j < c; j++) {
        a.resid[0][i * c + j] = weights.wte()[tok + j] + weights.wpe()[pos + j];
      }
    }
    for (int l = 0; l < cf.layers(); l++) {
      Gpt2Layers.Layer p = params.layer(l);
      Gpt2Weights.Layer w = weights.layers().get(l);
      float[] x = a.resid[l];
      LayerNorm.forward(
          a.xn1[l], 0, x, 0, w.ln1Weight(), w.ln1Bias(), a.mean1[l], a.rstd1[l], n, c, eps);
      p.attn().forward(a.qkv, a.xn1[l], n, adapters, rnd);
      for (int i = 0; i < n; i++) { // qkv: (N, 3, C) -> q: (N, C), k, v: (N, C)
        System.arraycopy(a.qkv, i * 3 * c, a.q[l], i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + c, a.kLin, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + 2 * c, a.proj, i * c, c);
      }
      LlamaActivations.transpose(a.kLin, a.k[l], a.rows, a.t, cf.heads(), hd, true);
      LlamaActivations.transpose(a.proj, a.v[l], a.rows, a.t, cf.heads(), hd, true);
      SegmentAttention.forward(
          pool,
          a.att[l],
          a.lse[l],
          a.q[l],
          a.k[l],
          a.v[l],
          a.segStart,
          a.rows,
          a.t,
          cf.heads(),
          cf.heads(),
          hd,
          a.scores,
          a.qBlock,
          a.oBlock);
      p.proj().forward(a.proj, a.att[l], n, adapters, rnd);
      Residual.forward(a.mid[l], 0, x, 0, a.proj, 0, n * c);
      LayerNorm.forward(
          a.xn2[l], 0, a.mid[l], 0, w.ln2Weight(), w.ln2Bias(), a.mean2[l], a.rstd2[l], n, c, eps);
      p.fc().forward(a.fc[l], a.xn2[l], n, adapters, rnd);
      Gelu.forward(a.act(l), a.fc[l], n * f);
      p.fcProj().forward(a.proj, a.act(l), n, adapters, rnd);
      Residual.forward(a.resid[l + 1], 0, a.mid[l], 0, a.proj, 0, n * c);
    }
    LayerNorm.forward(
        a.xnFinal,
        0,
        a.resid[cf.layers()],
        0,
        weights.lnfWeight(),
        weights.lnfBias(),
        a.meanFinal,
        a.rstdFinal,
        n,
        c,
        eps);
    return OutputHead.run(
        pool,
        batch,
        segmentScale,
        a.xnFinal,
        weights.wte(),
        train ? a.dxn : null,
        params.wteGrad,
        a.logits,
        c,
        cf.vocabSize());
  }

  private void backward(TokenBatch batch, Gpt2Activations a) {
    Gpt2Config cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    int hd = cf.headDim();
    Arrays.fill(a.dx, 0f);
    LayerNorm.backward(
        a.dx,
        0,
        params.lnfWeightGrad,
        params.lnfBiasGrad,
        a.dxn,
        0,
        a.resid[cf.layers()],
        0,
        weights.lnfWeight(),
        a.meanFinal,
        a.rstdFinal,
        n,
        c);
    for (int l = cf.layers() - 1; l >= 0; l--) {
      Gpt2Layers.Layer p = params.layer(l);
      Gpt2Weights.Layer w = weights.layers().get(l);
      // MLP block; dx is d resid[l+1]
      if (recompute) {
        Gelu.forward(a.act(l), a.fc[l], n * f);
      }
      Arrays.fill(a.dAct, 0f);
      p.fcProj().backward(a.dAct, a.dx, a.act(l), n, adapters);
      Arrays.fill(a.dFc, 0f);
      Gelu.backward(a.dFc, a.dAct, a.fc[l], n * f);
      Arrays.fill(a.dxn, 0f);
      p.fc().backward(a.dxn, a.dFc, a.xn2[l], n, adapters);
      LayerNorm.backward(
          a.dx,
          0,
          p.ln2WeightGrad(),
          p.ln2BiasGrad(),
          a.dxn,
          0,
          a.mid[l],
          0,
          w.ln2Weight(),
          a.mean2[l],
          a.rstd2[l],
          n,
          c);
      // attention block; dx is d mid[l]
      Arrays.fill(a.dAtt, 0f);
      p.proj().backward(a.dAtt, a.dx, a.att[l], n, adapters);
      Arrays.fill(a.dq, 0f);
      Arrays.fill(a.dkT, 0f);
      Arrays.fill(a.dvT, 0f);
      SegmentAttention.backward(
          pool,
          a.dq,
          a.dkT,
          a.dvT,
          a.dAtt,
          a.lse[l],
          a.q[l],
          a.k[l],
          a.v[l],
          a.segStart,
          a.rows,
          a.t,
          cf.heads(),
          cf.heads(),
          hd,
          a.scores,
          a.scores2,
          a.qBlock,
          a.oBlock);
      LlamaActivations.transpose(a.dk, a.dkT, a.rows, a.t, cf.heads(), hd, false);
      LlamaActivations.transpose(a.dv, a.dvT, a.rows, a.t, cf.heads(), hd, false);
      for (int i = 0; i < n; i++) { // d qkv: (N, 3, C)
        System.arraycopy(a.dq, i * c, a.qkv, i * 3 * c, c);
        System.arraycopy(a.dk, i * c, a.qkv, i * 3 * c + c, c);
        System.arraycopy(a.dv, i * c, a.qkv, i * 3 * c + 2 * c, c);
      }
      Arrays.fill(a.dxn, 0f);
      p.attn().backward(a.dxn, a.qkv, a.xn1[l], n, adapters);
      LayerNorm.backward(
          a.dx,
          0,
          p.ln1WeightGrad(),
          p.ln1BiasGrad(),
          a.dxn,
          0,
          a.resid[l],
          0,
          w.ln1Weight(),
          a.mean1[l],
          a.rstd1[l],
          n,
          c);
    }
    // embeddings: scatter dx into the token rows (adding to the tied head's gradient) and positions
    if (params.wteGrad != null) {
      for (int i = 0; i < n; i++) {
        int tok = batch.tokens()[i] * c;
        int pos = batch.positions()[i] * c;
        for (int j = 0; j < c; j++) {
          params.wteGrad[tok + j] += a.dx[i * c + j];
          params.wpeGrad[pos + j] += a.dx[i * c + j];
        }
      }
    }
  }
}
