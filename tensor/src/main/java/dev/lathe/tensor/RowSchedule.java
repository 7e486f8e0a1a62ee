package dev.lathe.tensor;

import java.util.Arrays;

/**
 * The row ranges of one parallel loop over {@code n} rows, largest first ("guided" scheduling):
 * each task takes about {@code 1 / (2 · threads)} of the rows still left, never fewer than {@code
 * minRows}, in multiples of four. Big tasks keep the hand-outs few; the small ones at the end let
 * the threads finish together, so a short decode mat-vec does not end with one thread idle for a
 * whole equal-sized task. Which rows a task covers does not change any output's bits: every row is
 * computed the same way wherever it falls. Each thread reuses its own schedule; planning allocates
 * only when a loop needs more tasks than any before it.
 */
final class RowSchedule {
  private static final int GROUP = 4;

  private int[] starts = new int[64];

  /**
   * Plans {@code n} rows for {@code threads} threads, or one task when {@code single}.
   *
   * @return the number of tasks
   */
  int plan(int n, int threads, int minRows, boolean single) {
    int t = 0;
    int at = 0;
    while (at < n) {
      int left = n - at;
      int size = single ? left : Math.max(minRows, ceilTo(ceilDiv(left, 2 * threads), GROUP));
      if (t + 2 > starts.length) {
        starts = Arrays.copyOf(starts, 2 * starts.length);
      }
      starts[t++] = at;
      at += Math.min(size, left);
    }
    starts[t] = n;
    return t;
  }

  /** First row of {@code task}. */
  int start(int task) {
    return starts[task];
  }

  /** One past the last row of {@code task}. */
  int end(int task) {
    return starts[task + 1];
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static int ceilTo(int a, int multiple) {
    return ceilDiv(a, multiple) * multiple;
  }
}
