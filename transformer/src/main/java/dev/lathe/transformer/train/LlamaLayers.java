package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.MatrixConversion;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable view of a Llama-family model's weights: per block its seven projections (each
 * possibly with a LoRA adapter) and, for full fine-tuning, a gradient for every weight, all named
 * as Hugging Face / PEFT name them. With LoRA only adapters are parameters and every weight
 * gradient is null.
 */
final class LlamaLayers extends ParameterSet<LlamaWeights> {
  /** One block's projections and norm gradients (null when frozen or absent). */
  record Layer(
      Projection q,
      Projection k,
      Projection v,
      Projection o,
      Projection gate,
      Projection up,
      Projection down,
      float[] attnNormGrad,
      float[] ffnNormGrad,
      float[] qNormGrad,
      float[] kNormGrad) {}

  private final LlamaConfig config;
  private final List<Layer> layers = new ArrayList<>();
  private final float[] embeddingGrad;
  private final float[] finalNormGrad;
  private final float[] headGrad;

  LlamaLayers(LlamaConfig c, LlamaWeights w, DecoderTrainer.Setup setup) {
    super(setup);
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    embeddingGrad = full("model.embed_tokens.weight", w.tokenEmbedding(), c.vocabSize(), C);
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<float[]> lw = w.layers().get(l);
      String p = "model.layers." + l + ".";
      float[] attnNormGrad = full(p + "input_layernorm.weight", lw.attnNorm(), C);
      Projection q = projection(l, "q_proj", lw.wq(), lw.bq(), C, qd);
      Projection k = projection(l, "k_proj", lw.wk(), lw.bk(), C, kvd);
      Projection v = projection(l, "v_proj", lw.wv(), lw.bv(), C, kvd);
      float[] qNormGrad = null;
      float[] kNormGrad = null;
      if (c.qkNorm()) {
        qNormGrad = full(p + "self_attn.q_norm.weight", lw.qNorm(), c.headDim());
        kNormGrad = full(p + "self_attn.k_norm.weight", lw.kNorm(), c.headDim());
      }
      Projection o = projection(l, "o_proj", lw.wo(), lw.bo(), qd, C);
      float[] ffnNormGrad = full(p + "post_attention_layernorm.weight", lw.ffnNorm(), C);
      Projection gate = projection(l, "gate_proj", lw.wGate(), null, C, F);
      Projection up = projection(l, "up_proj", lw.wUp(), null, C, F);
      Projection down = projection(l, "down_proj", lw.wDown(), null, F, C);
      layers.add(
          new Layer(q, k, v, o, gate, up, down, attnNormGrad, ffnNormGrad, qNormGrad, kNormGrad));
    }
    finalNormGrad = full("model.norm.weight", w.finalNorm(), C);
    headGrad =
        c.tiedEmbeddings()
            ? embeddingGrad
            : full("lm_head.weight", w.classifier(), c.vocabSize(), C);
  }

  private Projection projection(
      int layer, String target, float[] weight, float[] bias, int in, int out) {
    return projection(LoraModules.llama(layer, target), target, weight, bias, in, out);
  }

  Layer layer(int l) {
    return layers.get(l);
  }

  float[] embeddingGrad() {
    return embeddingGrad;
  }

  float[] finalNormGrad() {
    return finalNormGrad;
  }

  @Override
  float[] headGrad() {
    return headGrad;
  }

  @Override
  LlamaWeights withProjections(LlamaWeights w, MatrixConversion<float[], float[]> f) {
    List<LlamaWeights.Layer<float[]>> blocks =
        w.layers().stream().map(b -> b.map(config, f)).toList();
    return new LlamaWeights(w.tokenEmbedding(), blocks, w.finalNorm(), w.classifier());
  }
}
