package dev.lathe.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time (user + system) a Linux process has used, read from {@code /proc/<pid>/stat}, from a
 * mark on. A pid {@code <= 0} is a clock that reads zero (no process to watch).
 */
final class CpuClock {
  /** Clock ticks per second of {@code /proc} times ({@code getconf CLK_TCK}; 100 on Linux). */
  private static final double TICKS_PER_SECOND = 100;

  private final long pid;
  private long markTicks;

  CpuClock(long pid) {
    this.pid = pid;
  }

  /** Starts counting from now. */
  void mark() {
    markTicks = ticks();
  }

  /** CPU seconds used since {@link #mark()}. */
  double secondsSinceMark() {
    return (ticks() - markTicks) / TICKS_PER_SECOND;
  }

  private long ticks() {
    if (pid <= 0) {
      return 0;
    }
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
    }
    // fields after the parenthesised command name: state is field 3, utime 14, stime 15
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }
}
