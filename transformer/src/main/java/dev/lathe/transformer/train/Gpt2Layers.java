package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.ModelFamily;

/**
 * The trainable view of GPT-2's weights, in the family's own shapes: each block a {@link
 * Gpt2Weights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its LayerNorms and
 * biases the weights' own arrays), and the gradients as {@link Gpt2Weights} (the head's is {@code
 * wte}'s, tied), one array per weight for full fine-tuning, named as {@code GPT2LMHeadModel}'s
 * state dict ({@code transformer.h.0.attn.c_attn.weight}) and PEFT ({@code
 * base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}). With LoRA only adapters are
 * parameters and every weight gradient is null. Projection weights are held [out, in], the
 * transpose of the Conv1D layout in Hugging Face files; their shapes say so.
 */
final class Gpt2Layers
    extends ParameterSet<Gpt2Config, Gpt2Weights, Gpt2Weights.Layer<Projection>> {

  /** Registers every weight of {@code w} in the order of {@code GPT2LMHeadModel}'s state dict. */
  Gpt2Layers(
      ModelFamily<Gpt2Config, Gpt2Weights> family,
      Gpt2Config c,
      Gpt2Weights w,
      DecoderTrainer.Setup setup) {
    super(family, c, setup);
    int C = c.dim();
    int F = c.hiddenDim();
    full("transformer.wte.weight", w.wte(), c.vocabSize(), C);
    full("transformer.wpe.weight", w.wpe(), c.contextLength(), C);
    for (int l = 0; l < c.layers(); l++) {
      Gpt2Weights.Layer<float[]> lw = w.layers().get(l);
      String p = "transformer.h." + l + ".";
      full(p + "ln_1.weight", lw.ln1Weight(), C);
      full(p + "ln_1.bias", lw.ln1Bias(), C);
      projection(l, "c_attn", lw.wQkv(), lw.bQkv(), C, 3 * C);
      projection(l, "attn.c_proj", lw.wProj(), lw.bProj(), C, C);
      full(p + "ln_2.weight", lw.ln2Weight(), C);
      full(p + "ln_2.bias", lw.ln2Bias(), C);
      projection(l, "c_fc", lw.wFc(), lw.bFc(), C, F);
      projection(l, "mlp.c_proj", lw.wFcProj(), lw.bFcProj(), F, C);
    }
    full("transformer.ln_f.weight", w.lnfWeight(), C);
    full("transformer.ln_f.bias", w.lnfBias(), C);
    finish(w, w.layers().stream().map(b -> b.map(c, (m, rows, cols) -> projectionOf(m))).toList());
  }
}
