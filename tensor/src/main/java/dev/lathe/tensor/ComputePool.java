package dev.lathe.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of worker threads that run the tasks of one parallel loop at a time.
 *
 * <p>{@link #parallelFor} hands out task indices {@code 0..tasks-1} to the calling thread and the
 * {@code threads - 1} workers. Which thread runs a task depends on scheduling, so kernels built on
 * it make each task own a fixed, disjoint part of the output and compute it in a fixed order: the
 * numbers never depend on the thread count or on timing.
 *
 * <p>Each thread owns a contiguous block of the task indices and takes them in order; one that runs
 * out takes the last task left in another's block. Kernels number their tasks in memory order, so
 * each thread reads one run of memory front to back, which the hardware prefetcher follows; tasks
 * handed out in turn would make every thread jump at every task, and restart the prefetcher.
 *
 * <p>Workers spin briefly after each loop (decode issues hundreds of small loops per token) and
 * then park. A worker joins a loop only while the caller is still running its tasks; one that wakes
 * later skips it, so the caller never waits for a thread the OS has not scheduled yet. A loop
 * started from inside a task, or while another thread's loop is running on this pool, runs on the
 * calling thread alone rather than waiting. The default pool has one thread per available
 * processor; set {@code -Dlathe.threads=N} to change it.
 */
public final class ComputePool implements AutoCloseable {

  /** System property with the default pool's thread count. */
  public static final String THREADS_PROPERTY = "lathe.threads";

  /** A loop body: runs task {@code task} on the thread numbered {@code worker} (0 = caller). */
  @FunctionalInterface
  public interface Body {
    void run(int task, int worker);
  }

  private static final int SPIN_NANOS = 200_000;
  private static final int PAD = 16; // longs: two cache lines between blocks

  private static final class Holder {
    static final ComputePool COMMON = new ComputePool(defaultThreads());
  }

  private final int threads;
  private final Thread[] workers;
  private final ReentrantLock lock = new ReentrantLock();
  // the tasks left in thread w's block: (next << 32) | end at index w * PAD, a cache line apart
  private final AtomicLongArray blocks;
  // workers that joined the current loop (n >= 0: open; -1 - n once the caller closed it) and
  // those of them that have finished
  private final AtomicInteger entry = new AtomicInteger(-1);
  private final AtomicInteger done = new AtomicInteger();
  private volatile long generation;
  private volatile boolean closed;
  private volatile Body body;
  private volatile Throwable failure;

  /**
   * Starts a pool.
   *
   * @param threads total threads that run tasks, including the caller; at least 1
   */
  public ComputePool(int threads) {
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException(
          "ComputePool threads must be in 1..1024, got "
              + threads
              + " (use 1 for single-threaded)");
    }
    this.threads = threads;
    this.blocks = new AtomicLongArray(threads * PAD);
    this.workers = new Thread[threads - 1];
    for (int w = 1; w < threads; w++) {
      int id = w;
      Thread t = new Thread(() -> workLoop(id), "lathe-compute-" + w);
      t.setDaemon(true);
      workers[w - 1] = t;
      t.start();
    }
  }

  /** The process-wide pool (threads from {@code -Dlathe.threads}, else available processors). */
  public static ComputePool common() {
    return Holder.COMMON;
  }

  static int defaultThreads() {
    String v = System.getProperty(THREADS_PROPERTY);
    if (v == null || v.isBlank()) {
      return Runtime.getRuntime().availableProcessors();
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException(
        "system property " + THREADS_PROPERTY + "=" + v + " must be a positive integer");
  }

  /** Total threads that run tasks, the caller included. */
  public int threads() {
    return threads;
  }

  /**
   * Runs {@code body} for every task index in {@code 0..tasks-1} and returns when all are done. An
   * exception thrown by a task is rethrown here (after the other tasks finish).
   */
  public void parallelFor(int tasks, Body body) {
    if (tasks <= 0) {
      return;
    }
    if (closed) {
      throw new IllegalStateException("ComputePool is closed");
    }
    if (threads == 1
        || tasks == 1
        || isWorker()
        || lock.isHeldByCurrentThread() // a loop inside one of this thread's tasks
        || !lock.tryLock()) {
      for (int t = 0; t < tasks; t++) {
        body.run(t, 0);
      }
      return;
    }
    try {
      this.body = body;
      this.failure = null;
      for (int w = 0; w < threads; w++) {
        long first = (long) tasks * w / threads;
        long end = (long) tasks * (w + 1) / threads;
        blocks.set(w * PAD, first << 32 | end);
      }
      done.set(0);
      entry.set(0); // open: workers may join
      generation++;
      for (Thread w : workers) {
        LockSupport.unpark(w);
      }
      runTasks(0);
      // close the entry: a worker that has not joined by now skips this loop, so a worker the OS
      // has not run yet (a loaded machine) does not hold the caller up
      int joined;
      do {
        joined = entry.get();
      } while (!entry.compareAndSet(joined, -1 - joined));
      long start = System.nanoTime();
      while (done.get() != joined) {
        if (System.nanoTime() - start > SPIN_NANOS) {
          Thread.yield();
        } else {
          Thread.onSpinWait();
        }
      }
      this.body = null;
      Throwable f = failure;
      if (f != null) {
        if (f instanceof RuntimeException r) {
          throw r;
        }
        if (f instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException("parallel task failed", f);
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean isWorker() {
    Thread me = Thread.currentThread();
    for (Thread w : workers) {
      if (w == me) {
        return true;
      }
    }
    return false;
  }

  private void runTasks(int worker) {
    Body b = body;
    for (int t = take(worker, true); t >= 0; t = take(worker, true)) {
      run(b, t, worker);
    }
    for (int i = 1; i < threads; i++) {
      int other = (worker + i) % threads;
      for (int t = take(other, false); t >= 0; t = take(other, false)) {
        run(b, t, worker);
      }
    }
  }

  private void run(Body b, int task, int worker) {
    try {
      b.run(task, worker);
    } catch (Throwable e) {
      failure = e;
    }
  }

  /**
   * Takes a task of block {@code w}: its first left ({@code front}, the block's owner) or its last
   * left (another thread). Returns -1 when the block has none left.
   */
  private int take(int w, boolean front) {
    while (true) {
      long v = blocks.get(w * PAD);
      int next = (int) (v >>> 32);
      int end = (int) v;
      if (next >= end) {
        return -1;
      }
      if (blocks.compareAndSet(w * PAD, v, front ? v + (1L << 32) : v - 1)) {
        return front ? next : end - 1;
      }
    }
  }

  /** Joins the open loop; false when its entry is closed (the caller ran or runs every task). */
  private boolean join() {
    for (int n = entry.get(); n >= 0; n = entry.get()) {
      if (entry.compareAndSet(n, n + 1)) {
        return true;
      }
    }
    return false;
  }

  private void workLoop(int id) {
    long seen = 0;
    while (!closed) {
      long start = System.nanoTime();
      while (generation == seen && !closed) {
        if (System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      if (closed) {
        return;
      }
      seen = generation;
      if (join()) {
        runTasks(id);
        done.incrementAndGet();
      }
    }
  }

  /** Stops the workers. The common pool is never closed. */
  @Override
  public void close() {
    if (this == Holder.COMMON) {
      return;
    }
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
