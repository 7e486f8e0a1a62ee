package dev.lathe.tensor;

import java.util.Arrays;

/**
 * The row ranges of one parallel loop over {@code n} rows, in row order and of equal size: about
 * {@code TASKS_PER_THREAD} per thread, never fewer than {@code minRows} rows, in multiples of four.
 * The pool gives each thread a contiguous block of tasks, so a thread reads its rows as one run;
 * the small tasks let a thread that finishes early take the last ones of another's block, so a
 * short decode mat-vec does not end with one thread idle. Which rows a task covers does not change
 * any output's bits: every row is computed the same way wherever it falls. Each thread reuses its
 * own schedule; planning allocates only when a loop needs more tasks than any before it.
 */
final class RowSchedule {
  private static final int GROUP = 4;
  private static final int TASKS_PER_THREAD = 8;

  private int[] starts = new int[64];

  /**
   * Plans {@code n} rows for {@code threads} threads, or one task when {@code single}.
   *
   * @return the number of tasks
   */
  int plan(int n, int threads, int minRows, boolean single) {
    int t = 0;
    int at = 0;
    int size =
        single ? n : Math.max(minRows, ceilTo(ceilDiv(n, TASKS_PER_THREAD * threads), GROUP));
    while (at < n) {
      int left = n - at;
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
