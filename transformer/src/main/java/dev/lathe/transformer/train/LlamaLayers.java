package dev.lathe.transformer.train;

import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.ModelFamily;

/**
 * The trainable view of a Llama-family model's weights, in the family's own shapes: each block a
 * {@link LlamaWeights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its norms
 * and biases the weights' own arrays), and the gradients as {@link LlamaWeights}, one array per
 * weight for full fine-tuning, named as Hugging Face / PEFT name them. With LoRA only adapters are
 * parameters and every weight gradient is null.
 */
final class LlamaLayers
    extends ParameterSet<LlamaConfig, LlamaWeights, LlamaWeights.Layer<Projection>> {

  /** Registers every weight of {@code w} in the order of a Hugging Face checkpoint. */
  LlamaLayers(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig c,
      LlamaWeights w,
      DecoderTrainer.Setup setup) {
    super(family, c, setup);
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
    finish(w, w.layers().stream().map(b -> b.map(c, (m, rows, cols) -> projectionOf(m))).toList());
  }
}
