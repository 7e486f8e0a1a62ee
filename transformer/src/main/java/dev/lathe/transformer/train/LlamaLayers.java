package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.MatrixConversion;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable view of a Llama-family model's weights, in the family's own shapes: each block a
 * {@link LlamaWeights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its norms
 * and biases the weights' own arrays), and the gradients as {@link LlamaWeights}, one array per
 * weight for full fine-tuning, named as Hugging Face / PEFT name them. With LoRA only adapters are
 * parameters and every weight gradient is null.
 */
final class LlamaLayers extends ParameterSet<LlamaWeights> {
  private final LlamaConfig config;
  private final List<LlamaWeights.Layer<Projection>> blocks = new ArrayList<>();
  private final LlamaWeights grads;

  LlamaLayers(LlamaConfig c, LlamaWeights w, DecoderTrainer.Setup setup) {
    super(setup);
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    float[] embedding = full("model.embed_tokens.weight", w.tokenEmbedding(), c.vocabSize(), C);
    List<LlamaWeights.Layer<float[]>> blockGrads = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<float[]> lw = w.layers().get(l);
      String p = "model.layers." + l + ".";
      float[] attnNorm = full(p + "input_layernorm.weight", lw.attnNorm(), C);
      Projection q = projection(l, "q_proj", lw.wq(), lw.bq(), C, qd);
      Projection k = projection(l, "k_proj", lw.wk(), lw.bk(), C, kvd);
      Projection v = projection(l, "v_proj", lw.wv(), lw.bv(), C, kvd);
      float[] qNorm = null;
      float[] kNorm = null;
      if (c.qkNorm()) {
        qNorm = full(p + "self_attn.q_norm.weight", lw.qNorm(), c.headDim());
        kNorm = full(p + "self_attn.k_norm.weight", lw.kNorm(), c.headDim());
      }
      Projection o = projection(l, "o_proj", lw.wo(), lw.bo(), qd, C);
      float[] ffnNorm = full(p + "post_attention_layernorm.weight", lw.ffnNorm(), C);
      Projection gate = projection(l, "gate_proj", lw.wGate(), null, C, F);
      Projection up = projection(l, "up_proj", lw.wUp(), null, C, F);
      Projection down = projection(l, "down_proj", lw.wDown(), null, F, C);
      blocks.add(
          new LlamaWeights.Layer<>(
              lw.attnNorm(),
              q,
              k,
              v,
              o,
              lw.bq(),
              lw.bk(),
              lw.bv(),
              lw.bo(),
              lw.qNorm(),
              lw.kNorm(),
              lw.ffnNorm(),
              gate,
              up,
              down));
      blockGrads.add(
          new LlamaWeights.Layer<>(
              attnNorm,
              q.weightGrad,
              k.weightGrad,
              v.weightGrad,
              o.weightGrad,
              q.biasGrad,
              k.biasGrad,
              v.biasGrad,
              o.biasGrad,
              qNorm,
              kNorm,
              ffnNorm,
              gate.weightGrad,
              up.weightGrad,
              down.weightGrad));
    }
    float[] finalNorm = full("model.norm.weight", w.finalNorm(), C);
    float[] head =
        c.tiedEmbeddings() ? embedding : full("lm_head.weight", w.classifier(), c.vocabSize(), C);
    grads = new LlamaWeights(embedding, blockGrads, finalNorm, head);
  }

  private Projection projection(
      int layer, String target, float[] weight, float[] bias, int in, int out) {
    return projection(LoraModules.llama(layer, target), target, weight, bias, in, out);
  }

  /** Block {@code l}: its projections, and its norms and biases as the weights hold them. */
  LlamaWeights.Layer<Projection> block(int l) {
    return blocks.get(l);
  }

  @Override
  LlamaWeights grads() {
    return grads;
  }

  @Override
  LlamaWeights withProjections(LlamaWeights w, MatrixConversion<float[], float[]> f) {
    List<LlamaWeights.Layer<float[]>> layers =
        w.layers().stream().map(b -> b.map(config, f)).toList();
    return new LlamaWeights(w.tokenEmbedding(), layers, w.finalNorm(), w.classifier());
  }
}
