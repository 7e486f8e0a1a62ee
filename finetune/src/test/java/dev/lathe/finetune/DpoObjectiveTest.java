package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.tensor.reference.FiniteDifferences;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The DPO objective end to end through a small real model ({@link BigramModel}): its gradient is
 * the derivative of the step's mean pair loss, the micro-batch split changes nothing, and with the
 * policy equal to the reference the loss is log 2 and the gradient −β/2 · (∇log π(y_w) − ∇log
 * π(y_l)).
 */
class DpoObjectiveTest {

  static final int VOCAB = 7;

  /** Pairs sharing a prompt, with answers of different lengths. */
  static List<PreferenceExample> pairs(int count, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<PreferenceExample> out = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      int prompt = 2 + r.nextInt(3);
      int[] head = new int[prompt];
      for (int t = 0; t < prompt; t++) {
        head[t] = r.nextInt(VOCAB);
      }
      out.add(
          new PreferenceExample(
              p + 1, answer(head, 1 + r.nextInt(4), r), answer(head, 1 + r.nextInt(4), r)));
    }
    return out;
  }

  static TrainingExample answer(int[] prompt, int length, SplittableRandom r) {
    int[] ids = Arrays.copyOf(prompt, prompt.length + length);
    boolean[] trained = new boolean[ids.length];
    for (int t = prompt.length; t < ids.length; t++) {
      ids[t] = r.nextInt(VOCAB);
      trained[t] = true;
    }
    return TrainingExample.of(0, ids, trained, 64);
  }

  static double[] gradient(TrainableModel m) {
    List<Double> g = new ArrayList<>();
    for (Parameter p : m.trainableParameters()) {
      for (float v : p.grad()) {
        g.add((double) v);
      }
    }
    return g.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void gradientIsTheDerivativeOfTheMeanPairLoss() {
    BigramModel policy = new BigramModel(VOCAB, 1);
    List<PreferenceExample> pairs = pairs(5, 2);
    MicroBatcher batcher = new MicroBatcher(64, true);
    // a reference different from the policy, so the pairs sit at different points of the sigmoid
    ReferenceLogProbs ref =
        ReferenceLogProbs.compute(new BigramModel(VOCAB, 99), false, pairs, batcher);
    DpoObjective dpo = new DpoObjective(new DpoLoss(0.5), batcher, ref);
    policy.zeroGradients();
    StepOutcome out = dpo.accumulateGradients(policy, pairs);
    double[] analytic = gradient(policy);
    assertThat(out.pairs()).isEqualTo(5);
    assertThat(out.loss()).isCloseTo(dpo.evaluate(policy, pairs).loss(), within(1e-12));
    // central differences of the step loss over every parameter (float model: h = 1e-2)
    List<Double> fd = new ArrayList<>();
    for (Parameter p : policy.trainableParameters()) {
      double[] x = new double[p.value().length];
      for (int i = 0; i < x.length; i++) {
        x[i] = p.value()[i];
      }
      for (double g :
          FiniteDifferences.gradient(
              x,
              v -> {
                float[] keep = p.value().clone();
                for (int i = 0; i < v.length; i++) {
                  p.value()[i] = (float) v[i];
                }
                double l = dpo.evaluate(policy, pairs).loss();
                System.arraycopy(keep, 0, p.value(), 0, keep.length);
                return l;
              },
              1e-2)) {
        fd.add(g);
      }
    }
    double[] numeric = fd.stream().mapToDouble(Double::doubleValue).toArray();
    assertThat(FiniteDifferences.relativeError(analytic, numeric)).isLessThan(2e-3);
  }

  @Test
  void splittingTheStepIntoMicroBatchesChangesNothing() {
    List<PreferenceExample> pairs = pairs(6, 3);
    BigramModel whole = new BigramModel(VOCAB, 4);
    BigramModel split = new BigramModel(VOCAB, 4);
    ReferenceLogProbs ref =
        ReferenceLogProbs.compute(
            new BigramModel(VOCAB, 5), false, pairs, new MicroBatcher(8, false));
    whole.zeroGradients();
    split.zeroGradients();
    StepOutcome a =
        new DpoObjective(new DpoLoss(0.1), new MicroBatcher(256, true), ref)
            .accumulateGradients(whole, pairs);
    StepOutcome b =
        new DpoObjective(new DpoLoss(0.1), new MicroBatcher(8, false), ref)
            .accumulateGradients(split, pairs);
    assertThat(b.loss()).isCloseTo(a.loss(), within(1e-12));
    assertThat(b.rewards()).isEqualTo(a.rewards());
    assertThat(FiniteDifferences.relativeError(gradient(whole), gradient(split))).isLessThan(1e-6);
  }

  @Test
  void policyEqualToReferenceGivesLog2AndTheAnalyticGradient() {
    double beta = 0.2;
    BigramModel model = new BigramModel(VOCAB, 6);
    List<PreferenceExample> pairs = pairs(4, 7);
    MicroBatcher batcher = new MicroBatcher(64, true);
    ReferenceLogProbs ref = ReferenceLogProbs.compute(model, false, pairs, batcher);
    DpoObjective dpo = new DpoObjective(new DpoLoss(beta), batcher, ref);
    model.zeroGradients();
    StepOutcome out = dpo.accumulateGradients(model, pairs);
    double[] g = gradient(model);
    assertThat(out.loss()).isCloseTo(Math.log(2), within(1e-12));
    assertThat(out.rewards()).isEqualTo(new PreferenceRewards(0, 0, 0, 0));
    // expected: mean over pairs of −β/2 · (∇log π(y_w) − ∇log π(y_l)); the model backpropagates
    // Σ scale · (−log π), so scale −1 gives ∇log π
    model.zeroGradients();
    for (PreferenceExample p : pairs) {
      List<TrainingExample> both = List.of(p.chosen(), p.rejected());
      var mb = new MicroBatcher(64, true).split(both).getFirst();
      float c = (float) (beta / 2 / pairs.size());
      model.forwardBackward(mb.batch(), new float[] {c, -c});
    }
    assertThat(FiniteDifferences.relativeError(g, gradient(model))).isLessThan(1e-6);
    assertThat(Arrays.stream(g).map(Math::abs).max().orElseThrow()).isGreaterThan(1e-3);
  }

  @Test
  void rewardAccuracyCountsPairsWhosePreferredAnswerGained() {
    BigramModel model = new BigramModel(VOCAB, 8);
    List<PreferenceExample> pairs = pairs(8, 9);
    MicroBatcher batcher = new MicroBatcher(64, true);
    ReferenceLogProbs ref = ReferenceLogProbs.compute(model, false, pairs, batcher);
    DpoObjective dpo = new DpoObjective(new DpoLoss(0.1), batcher, ref);
    // plain gradient descent on the DPO loss: every pair's margin grows from 0
    for (int step = 0; step < 30; step++) {
      model.zeroGradients();
      dpo.accumulateGradients(model, pairs);
      for (Parameter p : model.trainableParameters()) {
        for (int i = 0; i < p.value().length; i++) {
          p.value()[i] -= 5f * p.grad()[i];
        }
      }
    }
    StepOutcome after = dpo.evaluate(model, pairs);
    PreferenceRewards r = after.rewards();
    assertThat(after.loss()).isLessThan(Math.log(2));
    assertThat(r.accuracy()).isGreaterThan(0.5);
    assertThat(r.margin()).isCloseTo(r.chosen() - r.rejected(), within(1e-12));
    assertThat(r.margin()).isPositive();
  }
}
