package dev.lathe.transformer.train;

import dev.lathe.transformer.Gpt2Config;
import dev.lathe.transformer.Gpt2Weights;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.MatrixConversion;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainable view of GPT-2's weights: per block its four projections (each possibly with a LoRA
 * adapter) and, for full fine-tuning, a gradient for every weight, named as {@code
 * GPT2LMHeadModel}'s state dict ({@code transformer.h.0.attn.c_attn.weight}) and PEFT ({@code
 * base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}). Projection weights are held [out,
 * in], the transpose of the Conv1D layout in Hugging Face files; their shapes say so.
 */
final class Gpt2Layers extends ParameterSet<Gpt2Weights> {
  /** One block's projections and LayerNorm gradients (null when frozen). */
  record Layer(
      Projection attn,
      Projection proj,
      Projection fc,
      Projection fcProj,
      float[] ln1WeightGrad,
      float[] ln1BiasGrad,
      float[] ln2WeightGrad,
      float[] ln2BiasGrad) {}

  private final Gpt2Config config;
  private final List<Layer> layers = new ArrayList<>();
  final float[] wteGrad; // also the head's gradient (tied)
  final float[] wpeGrad;
  final float[] lnfWeightGrad;
  final float[] lnfBiasGrad;

  Gpt2Layers(Gpt2Config c, Gpt2Weights w, DecoderTrainer.Setup setup) {
    super(setup);
    this.config = c;
    int C = c.dim();
    int F = c.hiddenDim();
    wteGrad = full("transformer.wte.weight", w.wte(), c.vocabSize(), C);
    wpeGrad = full("transformer.wpe.weight", w.wpe(), c.contextLength(), C);
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
      layers.add(new Layer(attn, proj, fc, fcProj, ln1w, ln1b, ln2w, ln2b));
    }
    lnfWeightGrad = full("transformer.ln_f.weight", w.lnfWeight(), C);
    lnfBiasGrad = full("transformer.ln_f.bias", w.lnfBias(), C);
  }

  private Projection projection(
      int layer, String target, float[] weight, float[] bias, int in, int out) {
    return projection(LoraModules.gpt2(layer, target), target, weight, bias, in, out);
  }

  /** The head is tied to {@code wte}: one gradient for both. */
  @Override
  float[] headGrad() {
    return wteGrad;
  }

  Layer layer(int l) {
    return layers.get(l);
  }

  @Override
  Gpt2Weights withProjections(Gpt2Weights w, MatrixConversion<float[], float[]> f) {
    List<Gpt2Weights.Layer<float[]>> blocks =
        w.layers().stream().map(b -> b.map(config, f)).toList();
    return new Gpt2Weights(w.wte(), w.wpe(), blocks, w.lnfWeight(), w.lnfBias());
  }
}
