package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerTest {
  // probabilities 0.5, 0.3, 0.15, 0.05 (logits are their logs, plus a constant)
  private static final float[] LOGITS = {
    (float) Math.log(0.5) + 3,
    (float) Math.log(0.3) + 3,
    (float) Math.log(0.15) + 3,
    (float) Math.log(0.05) + 3
  };

  private static int[] histogram(SamplingParams params, long seed, int draws) {
    Sampler sampler = new Sampler(LOGITS.length, params, Generator.seededRandom(seed));
    int[] counts = new int[LOGITS.length];
    for (int i = 0; i < draws; i++) {
      counts[sampler.next(LOGITS)]++;
    }
    return counts;
  }

  @Test
  void greedyTakesTheArgmaxAndLowerIdOnTies() {
    Sampler sampler = new Sampler(4, SamplingParams.GREEDY, Generator.seededRandom(1));
    assertThat(sampler.next(new float[] {0.1f, 2f, -1f, 2f})).isEqualTo(1);
    assertThat(sampler.next(new float[] {0.1f, 2f, -1f, 3f})).isEqualTo(3);
  }

  @Test
  void greedyOverAWholeVocabularyTakesTheFirstLargestAndSkipsNaN() {
    int v = 49_157;
    float[] logits = new float[v];
    for (int i = 0; i < v; i++) {
      logits[i] = (i * 7919) % 1000 / 100f;
    }
    int want = 0;
    for (int i = 1; i < v; i++) {
      if (logits[i] > logits[want]) {
        want = i;
      }
    }
    Sampler sampler = new Sampler(v, SamplingParams.GREEDY, Generator.seededRandom(1));
    assertThat(sampler.next(logits)).isEqualTo(want);
    // a NaN logit (a model gone wrong) is passed over, never chosen
    logits[3] = Float.NaN;
    assertThat(sampler.next(logits)).isEqualTo(want);
    logits[0] = Float.NaN;
    assertThat(sampler.next(logits)).isZero();
  }

  @Test
  void temperatureOneDrawsInProportionToTheSoftmax() {
    int[] counts = histogram(SamplingParams.DEFAULTS, 7, 40_000);
    double[] expected = {0.5, 0.3, 0.15, 0.05};
    for (int i = 0; i < 4; i++) {
      assertThat(counts[i] / 40_000.0).as("token %d", i).isCloseTo(expected[i], within(0.01));
    }
  }

  @Test
  void lowTemperatureSharpensAndHighTemperatureFlattens() {
    int[] cold = histogram(SamplingParams.DEFAULTS.withTemperature(0.25), 3, 20_000);
    int[] hot = histogram(SamplingParams.DEFAULTS.withTemperature(2.0), 3, 20_000);
    // p_i proportional to p^(1/T): at T=0.25, 0.5^4 / (0.5^4 + 0.3^4 + ...) = 0.876
    assertThat(cold[0] / 20_000.0).isCloseTo(0.876, within(0.01));
    // at T=2, sqrt(p) normalized: 0.7071 / (0.7071+0.5477+0.3873+0.2236) = 0.379
    assertThat(hot[0] / 20_000.0).isCloseTo(0.379, within(0.01));
  }

  @Test
  void topKKeepsOnlyTheKMostLikely() {
    int[] counts = histogram(SamplingParams.DEFAULTS.withTopK(2), 11, 20_000);
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[0] / (double) (counts[0] + counts[1])).isCloseTo(0.5 / 0.8, within(0.01));
    int[] one = histogram(SamplingParams.DEFAULTS.withTemperature(2).withTopK(1), 11, 1000);
    assertThat(one[0]).isEqualTo(1000);
  }

  @Test
  void topPKeepsTheSmallestNucleusReachingP() {
    // 0.5 + 0.3 = 0.8 >= 0.75: the nucleus is {0, 1}
    int[] counts = histogram(SamplingParams.DEFAULTS.withTopP(0.75), 5, 20_000);
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[0] / 20_000.0).isCloseTo(0.5 / 0.8, within(0.01));
    // 0.5 + 0.3 + 0.15 = 0.95 >= 0.9: three tokens
    int[] wider = histogram(SamplingParams.DEFAULTS.withTopP(0.9), 5, 20_000);
    assertThat(wider[3]).isZero();
    assertThat(wider[2] / 20_000.0).isCloseTo(0.15 / 0.95, within(0.01));
  }

  @Test
  void topPIsMeasuredAgainstTheWholeMassNotWhatTheCutoffLeaves() {
    // 0.5 < 0.52, so the nucleus needs token 1 too; the up-front cutoff (0.48 / 3 = 0.16) drops
    // tokens 2 and 3, whose mass must still count toward the target
    int[] counts = histogram(SamplingParams.DEFAULTS.withTopP(0.52), 5, 20_000);
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[1] / 20_000.0).isCloseTo(0.3 / 0.8, within(0.01));
  }

  @Test
  void aWideNucleusIsFoundExactly() {
    // 1000 nearly uniform tokens, likelier with the id: the nucleus of 0.5 holds about 500 of
    // them, more than one round of partial selection looks at
    int vocabulary = 1000;
    float[] logits = new float[vocabulary];
    double[] p = new double[vocabulary];
    double z = 0;
    for (int i = 0; i < vocabulary; i++) {
      logits[i] = i * 0.002f;
      p[i] = Math.exp(logits[i]);
      z += p[i];
    }
    int smallest = vocabulary;
    for (double mass = 0; mass < 0.5 * z; ) {
      mass += p[--smallest];
    }
    Sampler sampler =
        new Sampler(
            vocabulary, SamplingParams.DEFAULTS.withTopP(0.5), Generator.seededRandom(3), false);
    int[] counts = new int[vocabulary];
    for (int i = 0; i < 10_000; i++) {
      counts[sampler.next(logits)]++;
    }
    for (int i = 0; i < vocabulary; i++) {
      if (i < smallest) {
        assertThat(counts[i]).as("id %d is outside the nucleus", i).isZero();
      } else {
        assertThat(counts[i]).as("id %d is in the nucleus", i).isPositive();
      }
    }
  }

  @Test
  void topPAppliesToTheTopKRenormalizedDistribution() {
    // top-2 renormalized: 0.625, 0.375; top_p 0.6 keeps only token 0
    int[] counts = histogram(SamplingParams.DEFAULTS.withTopK(2).withTopP(0.6), 5, 2000);
    assertThat(counts[0]).isEqualTo(2000);
  }

  @Test
  void minPDropsTokensFarBelowTheBest() {
    // threshold 0.5 * 0.5 = 0.25: tokens 0 and 1 remain
    int[] counts = histogram(SamplingParams.DEFAULTS.withMinP(0.5), 9, 20_000);
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[1]).isPositive();
  }

  @Test
  void sameSeedSameTokensDifferentSeedDifferentTokens() {
    SamplingParams params = SamplingParams.DEFAULTS.withTemperature(1.5);
    Sampler a = new Sampler(4, params, Generator.seededRandom(42));
    Sampler b = new Sampler(4, params, Generator.seededRandom(42));
    Sampler c = new Sampler(4, params, Generator.seededRandom(43));
    int[] sa = new int[64];
    int[] sb = new int[64];
    int[] sc = new int[64];
    for (int i = 0; i < 64; i++) {
      sa[i] = a.next(LOGITS);
      sb[i] = b.next(LOGITS);
      sc[i] = c.next(LOGITS);
    }
    assertThat(sa).isEqualTo(sb);
    assertThat(sa).isNotEqualTo(sc);
  }

  @Test
  void frequencyPenaltyGrowsWithEachRepetitionPresencePenaltyDoesNot() {
    float[] logits = {2.0f, 1.5f, 0.0f};
    Sampler frequency =
        new Sampler(3, SamplingParams.GREEDY.withPenalties(1.0, 0.0), Generator.seededRandom(0));
    int[] got = new int[5];
    for (int i = 0; i < got.length; i++) {
      got[i] = frequency.next(logits);
    }
    // step by step: counts (0,0,0) -> 0; (1,0,0): 1.0,1.5,0 -> 1; (1,1,0): 1.0,0.5,0 -> 0;
    // (2,1,0): 0.0,0.5,0 -> 1; (2,2,0): 0.0,-0.5,0.0 -> 0 (tie with 2, lower id)
    assertThat(got).containsExactly(0, 1, 0, 1, 0);

    Sampler presence =
        new Sampler(3, SamplingParams.GREEDY.withPenalties(0.0, 1.0), Generator.seededRandom(0));
    int[] once = new int[4];
    for (int i = 0; i < once.length; i++) {
      once[i] = presence.next(logits);
    }
    // after both 0 and 1 appeared: 1.0, 0.5, 0.0 forever -> 0
    assertThat(once).containsExactly(0, 1, 0, 0);
  }

  @Test
  void logprobsAreTheLogSoftmaxOfTheUnmodifiedLogits() {
    SamplingParams params = SamplingParams.DEFAULTS.withTemperature(0.3).withTopLogprobs(3);
    Sampler sampler = new Sampler(4, params, Generator.seededRandom(0));
    int token = sampler.next(LOGITS);
    assertThat(Math.exp(sampler.logprob()))
        .isCloseTo(new double[] {0.5, 0.3, 0.15, 0.05}[token], within(1e-5));
    assertThat(sampler.topCount()).isEqualTo(3);
    assertThat(sampler.topToken(0)).isEqualTo(0);
    assertThat(sampler.topToken(1)).isEqualTo(1);
    assertThat(sampler.topToken(2)).isEqualTo(2);
    assertThat(Math.exp(sampler.topLogprob(0))).isCloseTo(0.5, within(1e-5));
    assertThat(Math.exp(sampler.topLogprob(2))).isCloseTo(0.15, within(1e-5));
  }

  @Test
  void topLogprobsBreakTiesTowardTheLowerIdAndCapAtTheVocabulary() {
    Sampler sampler =
        new Sampler(3, SamplingParams.GREEDY.withTopLogprobs(5), Generator.seededRandom(0));
    sampler.next(new float[] {1f, 3f, 3f});
    assertThat(sampler.topCount()).isEqualTo(3);
    assertThat(new int[] {sampler.topToken(0), sampler.topToken(1), sampler.topToken(2)})
        .containsExactly(1, 2, 0);
  }

  @Test
  void choosingATokenAllocatesNothing() {
    int vocabulary = 5000;
    float[] logits = new float[vocabulary];
    for (int i = 0; i < vocabulary; i++) {
      logits[i] = (float) Math.sin(i * 0.37) * 4;
    }
    SamplingParams params =
        SamplingParams.DEFAULTS.withTopK(50).withTopP(0.9).withMinP(0.01).withTopLogprobs(5);
    Sampler sampler =
        new Sampler(vocabulary, params.withPenalties(0.5, 0.5), Generator.seededRandom(1));
    Sampler nucleus = new Sampler(vocabulary, params.withTopK(0), Generator.seededRandom(1));
    for (int i = 0; i < 500; i++) { // warm up
      sampler.next(logits);
      nucleus.next(logits);
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 500; i++) {
      sampler.next(logits);
      nucleus.next(logits);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    assertThat(allocated).as("bytes allocated by 1000 draws").isLessThan(1024);
  }

  @Test
  void invalidParametersAreRejectedWithTheirName() {
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withTemperature(2.5))
        .hasMessageContaining("temperature is 2.5");
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withTopP(0)).hasMessageContaining("top_p");
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withTopLogprobs(21))
        .hasMessageContaining("top_logprobs");
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withPenalties(3, 0))
        .hasMessageContaining("frequency_penalty");
  }

  @Test
  void logitBiasMovesTheGreedyChoiceAndBansAtMinusHundred() {
    Sampler biased =
        new Sampler(
            4, SamplingParams.GREEDY.withLogitBias(Map.of(0, -1.0)), Generator.seededRandom(1));
    // token 0 leads token 1 by log(0.5 / 0.3) = 0.51: a bias of -1 hands the arg-max to token 1
    assertThat(biased.next(LOGITS)).isEqualTo(1);
    Sampler raised =
        new Sampler(
            4, SamplingParams.GREEDY.withLogitBias(Map.of(3, 2.5)), Generator.seededRandom(1));
    assertThat(raised.next(LOGITS)).isEqualTo(3);

    int[] banned = histogram(SamplingParams.DEFAULTS.withLogitBias(Map.of(0, -100.0)), 5, 10_000);
    assertThat(banned[0]).isZero();
    // the others keep their proportions: 0.3 : 0.15 : 0.05 renormalized
    assertThat(banned[1] / 10_000.0).isCloseTo(0.6, within(0.02));
    int[] forced = histogram(SamplingParams.DEFAULTS.withLogitBias(Map.of(2, 100.0)), 5, 1000);
    assertThat(forced[2]).isEqualTo(1000);
  }

  @Test
  void logprobsIgnoreTheLogitBias() {
    SamplingParams params =
        SamplingParams.GREEDY.withTopLogprobs(1).withLogitBias(Map.of(0, -100.0));
    Sampler sampler = new Sampler(4, params, Generator.seededRandom(0));
    assertThat(sampler.next(LOGITS)).isEqualTo(1);
    assertThat(Math.exp(sampler.logprob())).isCloseTo(0.3, within(1e-5));
    assertThat(sampler.topToken(0)).isZero();
  }

  @Test
  void logitBiasOutsideItsRangeOrTheVocabularyIsRefused() {
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withLogitBias(Map.of(1, 100.5)))
        .hasMessageContaining("logit_bias of token 1 is 100.5");
    assertThatThrownBy(() -> SamplingParams.DEFAULTS.withLogitBias(Map.of(-1, 1.0)))
        .hasMessageContaining("logit_bias token id is -1");
    SamplingParams past = SamplingParams.DEFAULTS.withLogitBias(Map.of(4, 1.0));
    assertThatThrownBy(() -> new Sampler(4, past, Generator.seededRandom(0)))
        .hasMessageContaining("logit_bias names token 4, outside the vocabulary [0, 4)");
    assertThat(SamplingParams.DEFAULTS.logitBias()).isEmpty();
  }
}
