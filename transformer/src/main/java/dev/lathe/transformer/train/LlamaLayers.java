package dev.lathe.transformer.train;

import dev.lathe.tensor.Bf16;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LlamaWeights;
import dev.lathe.transformer.ModelFamily;
import java.util.List;

/**
 * The trainable view of a Llama-family model's weights, in the family's own shapes: each block a
 * {@link LlamaWeights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its norms
 * and biases the weights' own arrays), and the gradients as {@link LlamaWeights}, one array per
 * weight for full fine-tuning, named as Hugging Face / PEFT name them. With LoRA only adapters are
 * parameters and every weight gradient is null, and the frozen matrices may be a model's bf16
 * arrays ({@link LlamaModel.Bf16Weights}), read as they are without an f32 copy.
 */
final class LlamaLayers
    extends ParameterSet<LlamaConfig, LlamaWeights, LlamaWeights.Layer<Projection>> {
  private final LlamaModel.Bf16Weights bf16; // the frozen matrices in bf16, or null
  private final LlamaConfig config;

  /** Registers every weight of {@code w} in the order of a Hugging Face checkpoint. */
  LlamaLayers(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig c,
      LlamaWeights w,
      DecoderTrainer.Setup setup) {
    this(family, c, w, null, setup);
  }

  /**
   * As the f32 constructor; with {@code bf16} (LoRA only) the projections read its bf16 matrices,
   * and {@code w} holds the f32 norms and biases with null matrices.
   */
  LlamaLayers(
      ModelFamily<LlamaConfig, LlamaWeights> family,
      LlamaConfig c,
      LlamaWeights w,
      LlamaModel.Bf16Weights bf16,
      DecoderTrainer.Setup setup) {
    super(family, c, setup);
    this.bf16 = bf16;
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    int qd = c.queryDim();
    int kvd = c.kvDim();
    full("model.embed_tokens.weight", w.tokenEmbedding(), c.vocabSize(), C);
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<?> lw = bf16 == null ? w.layers().get(l) : bf16.layers().get(l);
      String p = "model.layers." + l + ".";
      full(p + "input_layernorm.weight", lw.attnNorm(), C);
      matrix(l, "q_proj", lw.wq(), lw.bq(), C, qd);
      matrix(l, "k_proj", lw.wk(), lw.bk(), C, kvd);
      matrix(l, "v_proj", lw.wv(), lw.bv(), C, kvd);
      if (c.qkNorm()) {
        full(p + "self_attn.q_norm.weight", lw.qNorm(), c.headDim());
        full(p + "self_attn.k_norm.weight", lw.kNorm(), c.headDim());
      }
      matrix(l, "o_proj", lw.wo(), lw.bo(), qd, C);
      full(p + "post_attention_layernorm.weight", lw.ffnNorm(), C);
      matrix(l, "gate_proj", lw.wGate(), null, C, F);
      matrix(l, "up_proj", lw.wUp(), null, C, F);
      matrix(l, "down_proj", lw.wDown(), null, F, C);
    }
    full("model.norm.weight", w.finalNorm(), C);
    if (!c.tiedEmbeddings()) {
      full("lm_head.weight", w.classifier(), c.vocabSize(), C);
    }
    List<? extends LlamaWeights.Layer<?>> blocks = bf16 == null ? w.layers() : bf16.layers();
    finish(w, blocks.stream().map(b -> b.map(c, (m, rows, cols) -> projectionOf(m))).toList());
  }

  /** A projection over {@code weight}: f32 ({@link #projection}) or frozen bf16. */
  private void matrix(int l, String target, Object weight, float[] bias, int in, int out) {
    if (weight instanceof short[] frozen) {
      frozenProjection(l, target, frozen, bias, in, out);
    } else {
      projection(l, target, (float[]) weight, bias, in, out);
    }
  }

  /** With bf16 matrices: every matrix widened to f32, the adapters merged into theirs. */
  @Override
  LlamaWeights merged(LlamaWeights weights) {
    if (bf16 == null) {
      return super.merged(weights);
    }
    float[] embedding = Bf16.toFloat(bf16.tokenEmbedding());
    float[] head =
        bf16.classifier() == bf16.tokenEmbedding() ? embedding : Bf16.toFloat(bf16.classifier());
    List<LlamaWeights.Layer<float[]>> layers =
        bf16.layers().stream()
            .map(b -> b.map(config, (m, rows, cols) -> projectionOf(m).mergedWeight()))
            .toList();
    return new LlamaWeights(embedding, layers, bf16.finalNorm(), head);
  }
}
