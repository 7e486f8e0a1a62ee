package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelFamily;
import java.util.random.RandomGenerator;

/** Entry points: a {@link TrainableModel} over a loaded model, with LoRA or every weight. */
public final class Training {
  private Training() {}

  /**
   * LoRA adapters over the frozen weights of {@code model}. {@code random} initialises the
   * adapters' A matrices and then draws their dropout masks, so one seed gives one training run. A
   * Llama-family model held in bf16 is trained over its bf16 arrays as they are (no f32 copy); the
   * trainer's {@code baseDtype()} says which.
   */
  public static DecoderTrainer<?, ?, ?, ?> lora(
      LoadedModel model, LoraConfig config, RandomGenerator random) {
    return lora(model, config, random, false);
  }

  /**
   * As {@link #lora(LoadedModel, LoraConfig, RandomGenerator)}; {@code recompute} trades the memory
   * of the per-layer feed-forward activations for recomputing them in backward (Llama family: the
   * gate and up projections and the SwiGLU output; GPT-2: the GELU output).
   */
  public static DecoderTrainer<?, ?, ?, ?> lora(
      LoadedModel model, LoraConfig config, RandomGenerator random, boolean recompute) {
    if (config == null || random == null) {
      throw new IllegalArgumentException("LoRA training needs a LoraConfig and a RandomGenerator");
    }
    return trainer(model, config, random, recompute);
  }

  /**
   * Full fine-tuning: every weight of {@code model} is a parameter. The parameters are the arrays
   * of the model's f32 weights: when the model holds its weights in f32 they are its own arrays, so
   * its inference path sees the trained weights; otherwise they are f32 copies (export them with
   * the trainer's {@code mergedWeights()}).
   */
  public static DecoderTrainer<?, ?, ?, ?> full(LoadedModel model) {
    return full(model, false);
  }

  /** As {@link #full(LoadedModel)}, optionally recomputing the feed-forward output in backward. */
  public static DecoderTrainer<?, ?, ?, ?> full(LoadedModel model, boolean recompute) {
    return trainer(model, null, null, recompute);
  }

  /**
   * The trainer of {@code model} as {@code setup} says (LoRA when it has a {@link LoraConfig},
   * every weight otherwise), over its f32 weights: the one place a family is matched to its
   * trainer, checked exhaustive over the sealed {@link ModelFamily} by the compiler.
   */
  static DecoderTrainer<?, ?, ?, ?> trainer(LoadedModel model, DecoderTrainer.Setup setup) {
    return switch (model.family()) {
      case ModelFamily.Llama llama -> {
        var m = llama.decoder(model.model());
        // LoRA over a model held in bf16 reads its bf16 arrays: no f32 copy of the frozen base
        yield setup.lora() != null
                && m instanceof LlamaModel held
                && held.weightDtype() == DType.BF16
            ? new LlamaTrainer(llama, m.config(), held.bf16Weights(), setup)
            : new LlamaTrainer(llama, m.config(), m.weights(), setup);
      }
      case ModelFamily.Gpt2 gpt2 -> {
        var m = gpt2.decoder(model.model());
        yield new Gpt2Trainer(gpt2, m.config(), m.weights(), setup);
      }
    };
  }

  private static DecoderTrainer<?, ?, ?, ?> trainer(
      LoadedModel model, LoraConfig lora, RandomGenerator random, boolean recompute) {
    return trainer(model, new DecoderTrainer.Setup(lora, random, recompute, ComputePool.common()));
  }
}
