package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.tensor.reference.FiniteDifferences;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The DPO loss of one pair in double precision: values, derivatives, range of beta. */
class DpoLossTest {

  @Test
  void derivativesMatchCentralDifferencesOfTheLoss() {
    SplittableRandom r = new SplittableRandom(7);
    for (double beta : new double[] {0.01, 0.1, 0.5, 2.0}) {
      DpoLoss loss = new DpoLoss(beta);
      for (int trial = 0; trial < 20; trial++) {
        // x = (log π(y_w), log π(y_l)); the reference is fixed
        double[] x = {-r.nextDouble(1, 60), -r.nextDouble(1, 60)};
        double refW = -r.nextDouble(1, 60);
        double refL = -r.nextDouble(1, 60);
        DpoLoss.Pair p = loss.pair(x[0], x[1], refW, refL);
        double[] fd =
            FiniteDifferences.gradient(x, v -> loss.pair(v[0], v[1], refW, refL).loss(), 1e-5);
        assertThat(FiniteDifferences.relativeError(new double[] {p.dChosen(), p.dRejected()}, fd))
            .isLessThan(1e-7);
      }
    }
  }

  @Test
  void policyEqualToTheReferenceGivesLog2AndHalfBeta() {
    DpoLoss loss = new DpoLoss(0.3);
    DpoLoss.Pair p = loss.pair(-12.5, -40.25, -12.5, -40.25);
    assertThat(p.loss()).isEqualTo(Math.log(2));
    assertThat(p.dChosen()).isEqualTo(-0.15);
    assertThat(p.dRejected()).isEqualTo(0.15);
    assertThat(p.chosenReward()).isZero();
    assertThat(p.margin()).isZero();
  }

  @Test
  void rewardsAndLossFollowThePaper() {
    DpoLoss loss = new DpoLoss(0.1);
    // chosen gained 5 nats over the reference, rejected lost 3: margin 0.8
    DpoLoss.Pair p = loss.pair(-10, -23, -15, -20);
    assertThat(p.chosenReward()).isCloseTo(0.5, within(1e-12));
    assertThat(p.rejectedReward()).isCloseTo(-0.3, within(1e-12));
    assertThat(p.margin()).isCloseTo(0.8, within(1e-12));
    assertThat(p.loss()).isCloseTo(-Math.log(1 / (1 + Math.exp(-0.8))), within(1e-12));
  }

  @Test
  void extremeMarginsStayFinite() {
    DpoLoss loss = new DpoLoss(2);
    DpoLoss.Pair good = loss.pair(0, -1e4, -1e4, 0);
    DpoLoss.Pair bad = loss.pair(-1e4, 0, 0, -1e4);
    assertThat(good.loss()).isEqualTo(0.0);
    assertThat(good.dChosen()).isEqualTo(-0.0);
    assertThat(bad.loss()).isCloseTo(4e4, within(1e-6));
    assertThat(bad.dChosen()).isEqualTo(-2.0);
  }

  @Test
  void betaOutsideTheApiRangeIsRefused() {
    assertThatThrownBy(() -> new DpoLoss(0)).hasMessageContaining("beta must be in (0, 2]");
    assertThatThrownBy(() -> new DpoLoss(2.5)).hasMessageContaining("got 2.5");
    assertThatThrownBy(() -> new DpoLoss(Double.NaN)).hasMessageContaining("beta");
  }
}
