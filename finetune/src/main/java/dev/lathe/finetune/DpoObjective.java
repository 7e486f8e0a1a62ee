package dev.lathe.finetune;

import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.TrainableModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct preference optimization ({@link DpoLoss}): the mean over a step's pairs of −log σ(β ·
 * ((log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)))), each log-probability summed
 * over the answer's tokens only.
 *
 * <p>A step runs in two passes over the same micro-batches (chosen and rejected sequences of each
 * pair packed as separate segments): a forward pass gives the policy's log-probabilities, from
 * which each pair's loss and its derivatives follow; then a forward/backward pass with segment
 * scales {@code −dL/dlog π(y) / pairs} adds exactly the gradient of the step's mean loss. The
 * reference log-probabilities are not computed here: they were computed once, before training
 * ({@link ReferenceLogProbs}). Dropout must be off (as TRL's DPO trainer does by default) so both
 * passes see the same policy.
 *
 * <p>Outcome: the loss is the mean pair loss, the token accuracy is the policy's on the preferred
 * answers, and the rewards are TRL's ({@link PreferenceRewards}).
 */
public final class DpoObjective implements Objective<PreferenceExample> {

  private final DpoLoss loss;
  private final MicroBatcher batcher;
  private final ReferenceLogProbs reference;

  /** An objective with {@code loss}'s beta, splitting steps with {@code batcher}. */
  public DpoObjective(DpoLoss loss, MicroBatcher batcher, ReferenceLogProbs reference) {
    this.loss = loss;
    this.batcher = batcher;
    this.reference = reference;
  }

  @Override
  public StepOutcome accumulateGradients(TrainableModel model, List<PreferenceExample> examples) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("an optimizer step has no preference pair");
    }
    List<TrainingExample> sequences = sequences(examples);
    List<MicroBatcher.MicroBatch> batches = batcher.split(sequences);
    // forward: the policy's log-probabilities of every answer
    SequenceLogProbs policy = logProbs(model, batches, sequences.size());
    // per sequence: −dL/dlog π(y) / pairs, so the model's Σ scale · CE is the step's mean loss
    double[] scale = new double[sequences.size()];
    StepOutcome out = outcome(examples, policy, scale);
    for (int i = 0; i < scale.length; i++) {
      scale[i] = -scale[i] / examples.size();
    }
    for (MicroBatcher.MicroBatch mb : batches) {
      float[] s = new float[mb.exampleIndex().length];
      for (int k = 0; k < s.length; k++) {
        s[k] = (float) scale[mb.exampleIndex()[k]];
      }
      model.forwardBackward(mb.batch(), s);
    }
    return out;
  }

  @Override
  public StepOutcome evaluate(TrainableModel model, List<PreferenceExample> examples) {
    if (examples.isEmpty()) {
      return StepOutcome.ZERO;
    }
    List<TrainingExample> sequences = sequences(examples);
    SequenceLogProbs policy = logProbs(model, batcher.split(sequences), sequences.size());
    return outcome(examples, policy, new double[sequences.size()]);
  }

  /** Pair losses and rewards; writes dL/dlog π of sequence 2p (chosen) and 2p+1 into {@code d}. */
  private StepOutcome outcome(
      List<PreferenceExample> examples, SequenceLogProbs policy, double[] d) {
    StepOutcome total = StepOutcome.ZERO;
    for (int p = 0; p < examples.size(); p++) {
      PreferenceExample e = examples.get(p);
      DpoLoss.Pair pair =
          loss.pair(
              policy.logProb[2 * p],
              policy.logProb[2 * p + 1],
              reference.chosen(e),
              reference.rejected(e));
      d[2 * p] = pair.dChosen();
      d[2 * p + 1] = pair.dRejected();
      total =
          total.plus(
              new StepOutcome(
                  pair.loss(),
                  1,
                  policy.correct[2 * p],
                  policy.tokens[2 * p],
                  e.chosen().length() + e.rejected().length(),
                  pair.chosenReward(),
                  pair.rejectedReward(),
                  pair.chosenReward() > pair.rejectedReward() ? 1 : 0,
                  1));
    }
    return total;
  }

  /** The sequences of {@code examples}: chosen of pair p at 2p, rejected at 2p + 1. */
  static List<TrainingExample> sequences(List<PreferenceExample> examples) {
    List<TrainingExample> out = new ArrayList<>(2 * examples.size());
    for (PreferenceExample e : examples) {
      out.add(e.chosen());
      out.add(e.rejected());
    }
    return out;
  }

  /** Per sequence: Σ log p over its trained tokens, trained tokens, and those predicted right. */
  record SequenceLogProbs(double[] logProb, long[] tokens, long[] correct) {}

  /** Forward only over {@code batches}; results indexed like the sequences they were split from. */
  static SequenceLogProbs logProbs(
      TrainableModel model, List<MicroBatcher.MicroBatch> batches, int sequences) {
    double[] logProb = new double[sequences];
    long[] tokens = new long[sequences];
    long[] correct = new long[sequences];
    for (MicroBatcher.MicroBatch mb : batches) {
      BatchResult r = model.evaluate(mb.batch());
      for (int k = 0; k < mb.exampleIndex().length; k++) {
        int i = mb.exampleIndex()[k];
        logProb[i] = r.segmentLogProb()[k];
        tokens[i] = r.segmentTokens()[k];
        correct[i] = r.segmentCorrect()[k];
      }
    }
    return new SequenceLogProbs(logProb, tokens, correct);
  }
}
