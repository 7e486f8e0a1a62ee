package dev.lathe.transformer.train;

import dev.lathe.tensor.Gelu;
import dev.lathe.tensor.LayerNorm;
import dev.lathe.tensor.Residual;
import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.ModelFamily;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Training forward and backward of GPT-2 over (B, T) batches, read top to bottom like {@code
 * Gpt2Model}: token plus learned position embedding (positions from the batch), per block {@code x
 * += c_proj(attention(c_attn(ln_1(x))))} and {@code x += mlp.c_proj(gelu(c_fc(ln_2(x))))}, final
 * LayerNorm and the head tied to {@code wte} (its gradient and the embedding's add up). Attention
 * stays inside each packed example. Built by its {@link ModelFamily} (through {@link Training});
 * not thread-safe.
 */
public final class Gpt2Trainer
    extends DecoderTrainer<Gpt2Config, Gpt2Weights, Gpt2Layers, Gpt2Activations> {

  /** Built by its family ({@link ModelFamily#trainer}). */
  Gpt2Trainer(
      ModelFamily<Gpt2Config, Gpt2Weights> family,
      Gpt2Config config,
      Gpt2Weights weights,
      Setup setup) {
    super(family, config, weights, setup, Gpt2Layers::new, Gpt2Activations::new);
  }

  @Override
  void forward(TokenBatch batch, Gpt2Activations a, RandomGenerator rnd) {
    Gpt2Config cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    float eps = cf.normEps();
    // resid[0]: (N, C) = wte[token] + wpe[position]
    for (int i = 0; i < n; i++) {
      int tok = batch.tokens()[i] * c;
      int pos = batch.positions()[i] * c;
      for (int j = 0; j < c; j++) {
        a.resid[0][i * c + j] = weights.wte()[tok + j] + weights.wpe()[pos + j];
      }
    }
    for (int l = 0; l < cf.layers(); l++) {
      Gpt2Weights.Layer<Projection> w = params.block(l);
      float[] x = a.resid[l];
      LayerNorm.forward(
          a.xn1[l], 0, x, 0, w.ln1Weight(), w.ln1Bias(), a.mean1[l], a.rstd1[l], n, c, eps);
      w.wQkv().forward(a.qkv, a.xn1[l], n, adapters, rnd);
      for (int i = 0; i < n; i++) { // qkv: (N, 3, C) -> q: (N, C), k, v: (N, C)
        System.arraycopy(a.qkv, i * 3 * c, a.q[l], i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + c, a.kLin, i * c, c);
        System.arraycopy(a.qkv, i * 3 * c + 2 * c, a.proj, i * c, c);
      }
      attentionForward(a, l, a.proj);
      w.wProj().forward(a.proj, a.att[l], n, adapters, rnd);
      Residual.forward(a.mid[l], 0, x, 0, a.proj, 0, n * c);
      LayerNorm.forward(
          a.xn2[l], 0, a.mid[l], 0, w.ln2Weight(), w.ln2Bias(), a.mean2[l], a.rstd2[l], n, c, eps);
      w.wFc().forward(a.fc[l], a.xn2[l], n, adapters, rnd);
      Gelu.forward(a.act(l), a.fc[l], n * f);
      w.wFcProj().forward(a.proj, a.act(l), n, adapters, rnd);
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
  }

  @Override
  void backward(TokenBatch batch, Gpt2Activations a) {
    Gpt2Config cf = config;
    int n = a.n;
    int c = cf.dim();
    int f = cf.hiddenDim();
    LayerNorm.backward(
        a.dx,
        0,
        grads.lnfWeight(),
        grads.lnfBias(),
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
      Gpt2Weights.Layer<Projection> w = params.block(l);
      Gpt2Weights.Layer<float[]> g = grads.layers().get(l);
      // MLP block; dx is d resid[l+1]
      if (recompute) {
        Gelu.forward(a.act(l), a.fc[l], n * f);
      }
      Arrays.fill(a.dAct, 0f);
      w.wFcProj().backward(a.dAct, a.dx, a.act(l), n, adapters);
      Arrays.fill(a.dFc, 0f);
      Gelu.backward(a.dFc, a.dAct, a.fc[l], n * f);
      Arrays.fill(a.dxn, 0f);
      w.wFc().backward(a.dxn, a.dFc, a.xn2[l], n, adapters);
      LayerNorm.backward(
          a.dx,
          0,
          g.ln2Weight(),
          g.ln2Bias(),
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
      w.wProj().backward(a.dAtt, a.dx, a.att[l], n, adapters);
      attentionBackward(a, l);
      for (int i = 0; i < n; i++) { // d qkv: (N, 3, C)
        System.arraycopy(a.dq, i * c, a.qkv, i * 3 * c, c);
        System.arraycopy(a.dk, i * c, a.qkv, i * 3 * c + c, c);
        System.arraycopy(a.dv, i * c, a.qkv, i * 3 * c + 2 * c, c);
      }
      Arrays.fill(a.dxn, 0f);
      w.wQkv().backward(a.dxn, a.qkv, a.xn1[l], n, adapters);
      LayerNorm.backward(
          a.dx,
          0,
          g.ln1Weight(),
          g.ln1Bias(),
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
    float[] dWte = grads.wte();
    float[] dWpe = grads.wpe();
    if (dWte != null) {
      for (int i = 0; i < n; i++) {
        int tok = batch.tokens()[i] * c;
        int pos = batch.positions()[i] * c;
        for (int j = 0; j < c; j++) {
          dWte[tok + j] += a.dx[i * c + j];
          dWpe[pos + j] += a.dx[i * c + j];
        }
      }
    }
  }
}
