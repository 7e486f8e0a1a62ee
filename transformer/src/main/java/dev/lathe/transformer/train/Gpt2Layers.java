package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.MatrixConversion;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable view of GPT-2's weights, in the family's own shapes: each block a {@link
 * Gpt2Weights.Layer} of {@link Projection}s (each possibly with a LoRA adapter; its LayerNorms and
 * biases the weights' own arrays), and the gradients as {@link Gpt2Weights}, one array per weight
 * for full fine-tuning, named as {@code GPT2LMHeadModel}'s state dict ({@code
 * transformer.h.0.attn.c_attn.weight}) and PEFT ({@code
 * base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}). With LoRA only adapters are
 * parameters and every weight gradient is null. Projection weights are held [out, in], the
 * transpose of the Conv1D layout in Hugging Face files; their shapes say so.
 */
final class Gpt2Layers extends ParameterSet<Gpt2Weights> {
  private final Gpt2Config config;
  private final List<Gpt2Weights.Layer<Projection>> blocks = new ArrayList<>();
  private final Gpt2Weights grads;

  Gpt2Layers(Gpt2Config c, Gpt2Weights w, DecoderTrainer.Setup setup) {
    super(setup);
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    float[] wte = full("transformer.wte.weight", w.wte(), c.vocabSize(), C);
    float[] wpe = full("transformer.wpe.weight", w.wpe(), c.contextLength(), C);
    List<Gpt2Weights.Layer<float[]>> blockGrads = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      Gpt2Weights.Layer<float[]> lw = w.layers().get(l);
      String p = "transformer.h." + l + ".";
      float[] ln1w = full(p + "ln_1.weight", lw.ln1Weight(), C);
      float[] ln1b = full(p + "ln_1.bias", lw.ln1Bias(), C);
      Projection attn = projection(l, "c_attn", lw.wQkv(), lw.bQkv(), C, 3 * C);
      Projection proj = projection(l, "attn.c_proj", lw.wProj(), lw.bProj(), C, C);
      float[] ln2w = full(p + "ln_2.weight", lw.ln2Weight(), C);
      float[] ln2b = full(p + "ln_2.bias", lw.ln2Bias(), C);
      Projection fc = projection(l, "c_fc", lw.wFc(), lw.bFc(), C, F);
      Projection fcProj = projection(l, "mlp.c_proj", lw.wFcProj(), lw.bFcProj(), F, C);
      blocks.add(
          new Gpt2Weights.Layer<>(
              lw.ln1Weight(),
              lw.ln1Bias(),
              attn,
              lw.bQkv(),
              proj,
              lw.bProj(),
              lw.ln2Weight(),
              lw.ln2Bias(),
              fc,
              lw.bFc(),
              fcProj,
              lw.bFcProj()));
      blockGrads.add(
          new Gpt2Weights.Layer<>(
              ln1w,
              ln1b,
              attn.weightGrad,
              attn.biasGrad,
              proj.weightGrad,
              proj.biasGrad,
              ln2w,
              ln2b,
              fc.weightGrad,
              fc.biasGrad,
              fcProj.weightGrad,
              fcProj.biasGrad));
    }
    float[] lnfw = full("transformer.ln_f.weight", w.lnfWeight(), C);
    float[] lnfb = full("transformer.ln_f.bias", w.lnfBias(), C);
    grads = new Gpt2Weights(wte, wpe, blockGrads, lnfw, lnfb);
  }

  private Projection projection(
      int layer, String target, float[] weight, float[] bias, int in, int out) {
    return projection(LoraModules.gpt2(layer, target), target, weight, bias, in, out);
  }

  /** Block {@code l}: its projections, and its LayerNorms and biases as the weights hold them. */
  Gpt2Weights.Layer<Projection> block(int l) {
    return blocks.get(l);
  }

  /** The gradients; the head is tied to {@code wte}, so one gradient serves both. */
  @Override
  Gpt2Weights grads() {
    return grads;
  }

  @Override
  Gpt2Weights withProjections(Gpt2Weights w, MatrixConversion<float[], float[]> f) {
    List<Gpt2Weights.Layer<float[]>> layers =
        w.layers().stream().map(b -> b.map(config, f)).toList();
    return new Gpt2Weights(w.wte(), w.wpe(), layers, w.lnfWeight(), w.lnfBias());
  }
}
