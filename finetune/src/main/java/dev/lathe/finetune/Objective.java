package dev.lathe.finetune;

import dev.lathe.transformer.train.TrainableModel;
import java.util.List;

/**
 * A training objective over examples of type {@code E}: supervised fine-tuning ({@link
 * SupervisedObjective}) is one; preference optimization (DPO: chosen/rejected log-probabilities
 * against the frozen reference, i.e. the model with adapters off) is another. The {@link Trainer}
 * owns shuffling, batching into optimizer steps, the optimizer, evaluation cadence and checkpoints;
 * the objective owns how one step's examples become gradients.
 *
 * @param <E> the example type
 */
public interface Objective<E> {

  /**
   * Adds the gradient of the loss of one optimizer step over {@code examples} to the model's
   * (already zeroed) gradients, in micro-batches whose size the objective bounds; the loss must be
   * the mean over the whole step, not per micro-batch.
   */
  StepOutcome accumulateGradients(TrainableModel model, List<E> examples);

  /** The loss and accuracy of {@code examples} without touching gradients. */
  StepOutcome evaluate(TrainableModel model, List<E> examples);
}
