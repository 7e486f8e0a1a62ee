package dev.lathe.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads one value per 64-byte cache line of a range, so that its lines are on their way from memory
 * while the caller computes on others: where widening weights keeps the core busy long enough that
 * the hardware prefetcher alone lets the loads stall it (the Q8_0 mat-vec, the batched decode
 * tiles). Each returns a sum of what it read, which the caller stores, so that the JIT keeps the
 * loads.
 */
final class CacheLines {
  private CacheLines() {}

  /** Bytes per cache line. */
  static final int BYTES = 64;

  private static final ValueLayout.OfShort LE_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Values {@code [from, to)} of {@code a}. */
  static int touch(byte[] a, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i += BYTES) {
      sum += a[i];
    }
    return sum;
  }

  /** Values {@code [from, to)} of {@code a}. */
  static int touch(float[] a, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i += BYTES / Float.BYTES) {
      sum += Float.floatToRawIntBits(a[i]);
    }
    return sum;
  }

  /** Values {@code [from, to)} of {@code a}. */
  static int touch(short[] a, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i += BYTES / Short.BYTES) {
      sum += a[i];
    }
    return sum;
  }

  /** Little-endian shorts {@code [from, to)} of {@code s}. */
  static int touch(MemorySegment s, long from, long to) {
    int sum = 0;
    for (long i = from; i < to; i += BYTES / Short.BYTES) {
      sum += s.get(LE_SHORT, 2 * i);
    }
    return sum;
  }
}
