package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.LoraModules;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The trainable view of a Llama-family model's weights, in the family's own shapes: each block a
 * {@link LlamaWeights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its norms
 * and biases the weights' own arrays), and the gradients as {@link LlamaWeights}, one array per
 * weight for full fine-tuning, named as Hugging Face / PEFT name them. With LoRA only adapters are
 * parameters and every weight gradient is null.
 */
final class LlamaLayers extends ParameterSet<LlamaWeights> {
  private final LlamaConfig config;
  private final List<LlamaWeights.Layer<Projection>> blocks;
  private final LlamaWeights grads;

  /** Registers every weight of {@code w} in the order of a Hugging Face checkpoint. */
  LlamaLayers(LlamaConfig c, LlamaWeights w, DecoderTrainer.Setup setup) {
    super(setup);
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    full("model.embed_tokens.weight", w.tokenEmbedding(), c.vocabSize(), C);
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<float[]> lw = w.layers().get(l);
      String p = "model.layers." + l + ".";
      full(p + "input_layernorm.weight", lw.attnNorm(), C);
      projection(l, "q_proj", lw.wq(), lw.bq(), C, qd);
      projection(l, "k_proj", lw.wk(), lw.bk(), C, kvd);
      projection(l, "v_proj", lw.wv(), lw.bv(), C, kvd);
      if (c.qkNorm()) {
        full(p + "self_attn.q_norm.weight", lw.qNorm(), c.headDim());
        full(p + "self_attn.k_norm.weight", lw.kNorm(), c.headDim());
      }
      projection(l, "o_proj", lw.wo(), lw.bo(), qd, C);
      full(p + "post_attention_layernorm.weight", lw.ffnNorm(), C);
      projection(l, "gate_proj", lw.wGate(), null, C, F);
      projection(l, "up_proj", lw.wUp(), null, C, F);
      projection(l, "down_proj", lw.wDown(), null, F, C);
    }
    full("model.norm.weight", w.finalNorm(), C);
    if (!c.tiedEmbeddings()) {
      full("lm_head.weight", w.classifier(), c.vocabSize(), C);
    }
    blocks = w.layers().stream().map(b -> b.map(c, (m, rows, cols) -> projectionOf(m))).toList();
    grads = gradients(w);
  }

  private void projection(int layer, String target, float[] weight, float[] bias, int in, int out) {
    projection(LoraModules.llama(layer, target), target, weight, bias, in, out);
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
  LlamaWeights map(LlamaWeights w, UnaryOperator<float[]> f) {
    return w.map(config, f);
  }
}
