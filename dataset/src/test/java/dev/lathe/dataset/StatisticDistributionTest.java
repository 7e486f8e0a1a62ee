package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StatisticDistributionTest {

  /** numpy's linear quantile on a sorted copy, written out independently of the class. */
  private static double referenceQuantile(long[] values, double q) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    double h = (sorted.length - 1) * q;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  @Test
  void quantilesMatchNumpysLinearRuleOnMixedSmallAndLargeValues() {
    SplittableRandom random = new SplittableRandom(42);
    long[] values = new long[10_001];
    StatisticDistribution distribution = new StatisticDistribution();
    for (int i = 0; i < values.length; i++) {
      values[i] = i % 10 == 0 ? 65_536 + random.nextInt(1_000_000) : random.nextInt(4000);
      distribution.add(values[i]);
    }
    StatisticSummary s = distribution.summary();
    assertThat(s.exact()).isTrue();
    assertThat(s.count()).isEqualTo(values.length);
    assertThat(s.min()).isEqualTo(Arrays.stream(values).min().orElseThrow());
    assertThat(s.max()).isEqualTo(Arrays.stream(values).max().orElseThrow());
    assertThat(s.mean()).isCloseTo(Arrays.stream(values).average().orElseThrow(), within(1e-9));
    assertThat(s.median()).isEqualTo(referenceQuantile(values, 0.5));
    assertThat(s.p5()).isCloseTo(referenceQuantile(values, 0.05), within(1e-6));
    assertThat(s.p95()).isCloseTo(referenceQuantile(values, 0.95), within(1e-6));
    assertThat(s.q10()).isCloseTo(referenceQuantile(values, 0.1), within(1e-6));
    assertThat(s.q90()).isCloseTo(referenceQuantile(values, 0.9), within(1e-6));
  }

  @Test
  void evenCountMedianIsTheMeanOfTheMiddleValues() {
    StatisticDistribution d = new StatisticDistribution();
    for (long v : new long[] {7, 1, 100_000, 4}) {
      d.add(v);
    }
    assertThat(d.summary().median()).isEqualTo(5.5);
    assertThat(d.quantile(1.0)).isEqualTo(100_000);
    assertThat(d.quantile(0.0)).isEqualTo(1);
  }

  @Test
  void tooManyDistinctLargeValuesSwitchToBoundedApproximateBuckets() {
    StatisticDistribution d = new StatisticDistribution();
    long n = StatisticDistribution.MAX_LARGE_DISTINCT + 10_000L;
    long[] values = new long[(int) n];
    for (int i = 0; i < n; i++) {
      values[i] = 100_000L + 7L * i;
      d.add(values[i]);
    }
    StatisticSummary s = d.summary();
    assertThat(s.exact()).isFalse();
    assertThat(s.min()).isEqualTo(100_000L);
    assertThat(s.max()).isEqualTo(values[values.length - 1]);
    double median = referenceQuantile(values, 0.5);
    assertThat(s.median()).isCloseTo(median, within(median * 0.003));
    double p95 = referenceQuantile(values, 0.95);
    assertThat(s.p95()).isCloseTo(p95, within(p95 * 0.003));
  }

  @Test
  void rejectsNegativeValuesAndEmptyQuantiles() {
    StatisticDistribution d = new StatisticDistribution();
    assertThat(d.summary()).isNull();
    assertThatThrownBy(() -> d.add(-1)).hasMessageContaining(">= 0");
    assertThatThrownBy(() -> d.quantile(0.5)).hasMessageContaining("no values");
  }
}
