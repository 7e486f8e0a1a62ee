package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The row schedule: contiguous ranges of equal size, in row order, covering every row once. */
class RowScheduleTest {

  @Test
  void rangesCoverEveryRowOnceInOrderInEqualGroupsOfFour() {
    RowSchedule s = new RowSchedule();
    for (int threads : new int[] {1, 2, 3, 8, 64}) {
      for (int n : new int[] {1, 3, 17, 192, 576, 1537, 3072, 49_152, 100_003}) {
        int tasks = s.plan(n, threads, 16, false);
        assertThat(tasks).isPositive();
        assertThat(s.start(0)).isZero();
        assertThat(s.end(tasks - 1)).isEqualTo(n);
        int first = s.end(0) - s.start(0);
        for (int t = 0; t < tasks; t++) {
          int size = s.end(t) - s.start(t);
          String at = "task " + t + " of " + tasks + ", n=" + n + ", threads=" + threads;
          assertThat(size).as(at).isPositive();
          if (t > 0) {
            assertThat(s.start(t)).as(at).isEqualTo(s.end(t - 1));
          }
          if (t < tasks - 1) {
            assertThat(size % 4).as(at).isZero();
            assertThat(size).as(at).isGreaterThanOrEqualTo(16).isEqualTo(first);
          } else {
            assertThat(size).as(at).isLessThanOrEqualTo(first);
          }
        }
        if (n >= 16 * 8 * threads) {
          // about eight tasks per thread: small enough that one thread can take another's last
          assertThat(tasks).isBetween(6 * threads, 8 * threads);
        }
      }
    }
  }

  @Test
  void aSingleTaskPlanCoversAllRows() {
    RowSchedule s = new RowSchedule();
    assertThat(s.plan(1000, 8, 16, true)).isEqualTo(1);
    assertThat(s.start(0)).isZero();
    assertThat(s.end(0)).isEqualTo(1000);
  }
}
