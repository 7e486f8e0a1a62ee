package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.dataset.TrainingEstimate;
import org.junit.jupiter.api.Test;

/**
 * {@code auto} resolution from the model and the data: deterministic, each explicit value wins on
 * its own, OpenAI's observed batch of 1 for ~100 examples and the cookbook's epochs are kept, and
 * the learning-rate multiplier follows {@link Hyperparameters#autoLearningRateMultiplier}.
 */
class HyperparametersAutoTest {
  /** TinyStories-656K: 2 blocks of 196,608 projection weights. */
  private static final long TINY = 2L * 196_608;

  @Test
  void theSameInputsResolveToTheSameValues() {
    Hyperparameters a = Hyperparameters.resolve(null, null, null, 10, TINY, true);
    Hyperparameters b = Hyperparameters.resolve(null, null, null, 10, TINY, true);
    assertThat(a).isEqualTo(b);
    assertThat(a).isEqualTo(new Hyperparameters(TrainingEstimate.autoEpochs(10), 1, 10.0));
  }

  @Test
  void aboutOneHundredExamplesResolveToBatchOneAndCookbookEpochs() {
    Hyperparameters h = Hyperparameters.resolve(null, null, null, 120, 50_000_000L, true);
    assertThat(h.batchSize()).isEqualTo(1);
    assertThat(h.epochs()).isEqualTo(TrainingEstimate.autoEpochs(120));
    assertThat(Hyperparameters.resolve(null, null, null, 5_000, TINY, true).batchSize())
        .isEqualTo(32);
  }

  @Test
  void theMultiplierScalesWithTheModelAndIsCappedPerMethod() {
    assertThat(Hyperparameters.autoLearningRateMultiplier(TINY, true)).isEqualTo(10.0);
    assertThat(Hyperparameters.autoLearningRateMultiplier(4_000_000L, true)).isEqualTo(2.5);
    assertThat(Hyperparameters.autoLearningRateMultiplier(7_000_000_000L, true)).isEqualTo(1.0);
    assertThat(Hyperparameters.autoLearningRateMultiplier(TINY, false)).isEqualTo(25.0);
    assertThat(Hyperparameters.autoLearningRateMultiplier(800_000L, false)).isEqualTo(12.5);
    assertThat(Hyperparameters.autoLearningRateMultiplier(7_000_000_000L, false)).isEqualTo(1.0);
  }

  @Test
  void eachExplicitValueWinsOnItsOwn() {
    assertThat(Hyperparameters.resolve(7, null, null, 10, TINY, true))
        .isEqualTo(new Hyperparameters(7, 1, 10.0));
    assertThat(Hyperparameters.resolve(null, 4, null, 10, TINY, true))
        .isEqualTo(new Hyperparameters(TrainingEstimate.autoEpochs(10), 4, 10.0));
    assertThat(Hyperparameters.resolve(null, null, 0.5, 10, TINY, true))
        .isEqualTo(new Hyperparameters(TrainingEstimate.autoEpochs(10), 1, 0.5));
    assertThat(Hyperparameters.resolve(2, 3, 0.25, 10, TINY, true))
        .isEqualTo(new Hyperparameters(2, 3, 0.25));
  }

  @Test
  void theReportNamesOnlyTheAutoValuesAndHowTheyWereFound() {
    Hyperparameters h = Hyperparameters.resolve(2, null, null, 10, TINY, true);
    String report = h.autoReport(2, null, null, 10, TINY, true, 2e-4);
    assertThat(report)
        .startsWith("auto: batch_size=1 (about 1 per 100 examples")
        .contains("learning_rate_multiplier=10.0 (learning rate 0.002")
        .contains("LoRA on 393216 block weights")
        .doesNotContain("n_epochs");
    Hyperparameters given = Hyperparameters.resolve(2, 3, 0.5, 10, TINY, true);
    assertThat(given.autoReport(2, 3, 0.5, 10, TINY, true, 2e-4)).isNull();
  }
}
