package dev.lathe.transformer.train;

import java.util.Arrays;
import java.util.List;

/**
 * A causal language model with trainable parameters (LoRA adapters over frozen base weights, or
 * every weight for full fine-tuning). The objective is the caller's: the model backpropagates
 * {@code Σ_segments scale[s] · Σ_{t ∈ s, trained} −log p(target_t)}, so supervised fine-tuning
 * passes {@code scale[s] = 1 / (trained tokens in the whole optimizer step)} (a true mean across
 * micro-batches) and preference training (DPO) passes its per-example coefficients.
 */
public interface TrainableModel {

  /** The parameters the optimizer updates, in a fixed order. */
  List<Parameter> trainableParameters();

  /** Sets every gradient to zero. */
  default void zeroGradients() {
    for (Parameter p : trainableParameters()) {
      Arrays.fill(p.grad(), 0f);
    }
  }

  /**
   * Forward and backward over {@code batch}: adds d/dθ of {@code Σ_s segmentScale[s] · CE_s} to the
   * gradients, where CE_s is example s's summed cross-entropy over its trained positions.
   *
   * @param segmentScale one coefficient per segment ({@code batch.segmentCount()} entries)
   */
  BatchResult forwardBackward(TokenBatch batch, float[] segmentScale);

  /** Forward only: per-example log-probabilities and accuracy, no gradient. */
  BatchResult evaluate(TokenBatch batch);

  /**
   * Switches the trainable adapters off (the frozen base, e.g. DPO's reference policy) or back on.
   * Full fine-tuning has no adapters and rejects {@code false}.
   */
  void setAdaptersEnabled(boolean enabled);

  /**
   * The trainable parameter called {@code name} (Hugging Face / PEFT name), e.g. to read adapter
   * tensors for an export.
   */
  default Parameter parameter(String name) {
    for (Parameter p : trainableParameters()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("no trainable parameter named " + name);
  }

  /** Copies {@code values} into the parameter {@code name}, e.g. adapter tensors read from disk. */
  default void setParameter(String name, float[] values) {
    Parameter p = parameter(name);
    if (values.length != p.value().length) {
      throw new IllegalArgumentException(
          name + " holds " + p.value().length + " values, got " + values.length);
    }
    System.arraycopy(values, 0, p.value(), 0, values.length);
  }
}
