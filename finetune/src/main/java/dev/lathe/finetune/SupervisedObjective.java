package dev.lathe.finetune;

import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.TrainableModel;
import java.util.Arrays;
import java.util.List;

/**
 * Supervised fine-tuning: the mean cross-entropy over every trained token of the optimizer step.
 * Every example's segment scale is {@code 1 / N_step} with {@code N_step} the trained tokens of the
 * whole step, so splitting the step into micro-batches changes nothing but memory.
 *
 * <p>Float weights: a token of an assistant message with {@code weight} w (times the example's own
 * {@code weight}, both in (0, 1]) contributes w · cross-entropy, and the step's loss is {@code Σ
 * w_t · CE_t / N_step}: the mean over trained tokens of weight × loss. The denominator counts
 * trained tokens, not their weights, so a weight scales its tokens' contribution exactly (weight
 * 0.5 everywhere halves the loss and the gradient; normalising by Σ w would undo that). Reported
 * training and validation losses are these weighted means; token accuracy is unweighted.
 */
public final class SupervisedObjective implements Objective<TrainingExample> {

  private final MicroBatcher batcher;

  /** An objective splitting steps with {@code batcher}. */
  public SupervisedObjective(MicroBatcher batcher) {
    this.batcher = batcher;
  }

  @Override
  public StepOutcome accumulateGradients(TrainableModel model, List<TrainingExample> examples) {
    long trained = 0;
    for (TrainingExample e : examples) {
      trained += e.trainedTokens();
    }
    if (trained == 0) {
      throw new IllegalArgumentException("an optimizer step has no trained token");
    }
    float scale = (float) (1.0 / trained);
    StepOutcome total = StepOutcome.ZERO;
    for (MicroBatcher.MicroBatch mb : batcher.split(examples)) {
      float[] scales = new float[mb.batch().segmentCount()];
      Arrays.fill(scales, scale);
      total = total.plus(outcome(model.forwardBackward(mb.batch(), scales), mb));
    }
    return total;
  }

  @Override
  public StepOutcome evaluate(TrainableModel model, List<TrainingExample> examples) {
    StepOutcome total = StepOutcome.ZERO;
    for (MicroBatcher.MicroBatch mb : batcher.split(examples)) {
      total = total.plus(outcome(model.evaluate(mb.batch()), mb));
    }
    return total;
  }

  private static StepOutcome outcome(BatchResult r, MicroBatcher.MicroBatch mb) {
    long positions = 0;
    for (int s : mb.batch().segments()) {
      if (s >= 0) {
        positions++;
      }
    }
    return new StepOutcome(
        r.weightedLossSum(), r.trainedTokens(), r.correctTokens(), r.trainedTokens(), positions);
  }
}
