package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ComputePoolTest {
  @Test
  void everyTaskRunsExactlyOnceOnAValidWorker() {
    try (ComputePool pool = new ComputePool(3)) {
      for (int round = 0; round < 200; round++) {
        int tasks = 1 + round % 37;
        AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
        pool.parallelFor(
            tasks,
            (t, w) -> {
              assertThat(w).isBetween(0, 2);
              runs.incrementAndGet(t);
            });
        for (int t = 0; t < tasks; t++) {
          assertThat(runs.get(t)).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void eachThreadRunsItsOwnBlockInOrderAndTakesOthersFromTheirEnds() {
    int threads = 3;
    int tasks = 37;
    try (ComputePool pool = new ComputePool(threads)) {
      for (int round = 0; round < 100; round++) {
        int[][] ran = new int[threads][tasks];
        int[] count = new int[threads];
        pool.parallelFor(
            tasks,
            (t, w) -> {
              ran[w][count[w]++] = t;
              long until = System.nanoTime() + 20_000; // long enough for the workers to join
              while (System.nanoTime() < until) {
                Thread.onSpinWait();
              }
            });
        boolean[] seen = new boolean[tasks];
        for (int w = 0; w < threads; w++) {
          int first = tasks * w / threads;
          int end = tasks * (w + 1) / threads;
          int own = 0;
          int[] lastFrom = new int[threads];
          java.util.Arrays.fill(lastFrom, Integer.MAX_VALUE);
          for (int i = 0; i < count[w]; i++) {
            int t = ran[w][i];
            assertThat(seen[t]).as("task %d ran twice", t).isFalse();
            seen[t] = true;
            int block = 0;
            while (t >= tasks * (block + 1) / threads) {
              block++;
            }
            String at = "round " + round + ": thread " + w + "'s task " + i + " was " + t;
            if (block == w) {
              // its own block: front to back from the first, before any other block's
              assertThat(t).as(at).isEqualTo(first + own);
              assertThat(i).as(at).isEqualTo(own);
              own++;
            } else {
              // another's: back to front
              assertThat(t).as(at).isLessThan(lastFrom[block]);
              lastFrom[block] = t;
            }
          }
          assertThat(first + own).isLessThanOrEqualTo(end);
        }
        for (int t = 0; t < tasks; t++) {
          assertThat(seen[t]).as("task %d ran", t).isTrue();
        }
      }
    }
  }

  @Test
  @Timeout(60) // a nested loop that re-enters the pool deadlocks instead of failing
  void aLoopInsideATaskRunsOnTheCallingThread() {
    try (ComputePool pool = new ComputePool(2)) {
      for (int round = 0; round < 100; round++) {
        AtomicIntegerArray inner = new AtomicIntegerArray(8 * 5);
        pool.parallelFor(
            8, (t, w) -> pool.parallelFor(5, (u, w2) -> inner.incrementAndGet(t * 5 + u)));
        for (int i = 0; i < 40; i++) {
          assertThat(inner.get(i)).as("round %d cell %d", round, i).isEqualTo(1);
        }
      }
    }
  }

  @Test
  void aFailingTaskIsRethrownToTheCaller() {
    try (ComputePool pool = new ComputePool(2)) {
      assertThatThrownBy(
              () ->
                  pool.parallelFor(
                      8,
                      (t, w) -> {
                        if (t == 5) {
                          throw new IllegalStateException("task 5 failed");
                        }
                      }))
          .hasMessage("task 5 failed");
      AtomicIntegerArray after = new AtomicIntegerArray(3);
      pool.parallelFor(3, (t, w) -> after.incrementAndGet(t));
      assertThat(after.get(2)).isEqualTo(1);
    }
  }

  @Test
  void threadCountIsValidated() {
    assertThatThrownBy(() -> new ComputePool(0)).hasMessageContaining("must be in 1..1024");
    System.setProperty(ComputePool.THREADS_PROPERTY, "two");
    try {
      assertThatThrownBy(ComputePool::defaultThreads)
          .hasMessageContaining("must be a positive integer");
    } finally {
      System.clearProperty(ComputePool.THREADS_PROPERTY);
    }
    assertThat(ComputePool.defaultThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
  }
}
