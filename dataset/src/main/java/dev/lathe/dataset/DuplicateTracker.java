package dev.lathe.dataset;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Remembers a 64-bit hash of every distinct line, with the line where it first appeared, in an
 * open-addressing table of primitive longs (16 bytes an entry, at most {@code capacity} entries).
 * Two lines with equal hashes are taken as equal: for n lines the chance of a false match is about
 * n² / 2⁶⁵.
 */
final class DuplicateTracker {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long M = 0x9E3779B97F4A7C15L;
  private static final long C = 0xBF58476D1CE4E5B9L;

  private final int capacity;
  private long[] slots = new long[2 << 10]; // [2i] hash (0 = empty), [2i+1] line: one cache line
  private int size;

  DuplicateTracker(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Records the line {@code b[off, off+len)} as line {@code line}; returns the earlier line with
   * the same bytes, or 0 when it is new (or when the table is full and it was not seen).
   */
  long firstSeen(byte[] b, int off, int len, long line) {
    if (capacity == 0) {
      return 0;
    }
    long h = hash(b, off, len);
    if (h == 0) {
      h = 1;
    }
    int mask = (slots.length >> 1) - 1;
    int i = (int) (h ^ (h >>> 32)) & mask;
    while (slots[2 * i] != 0) {
      if (slots[2 * i] == h) {
        return slots[2 * i + 1];
      }
      i = (i + 1) & mask;
    }
    if (size >= capacity) {
      return 0;
    }
    slots[2 * i] = h;
    slots[2 * i + 1] = line;
    if (++size * 4 > slots.length) { // load factor 1/2
      grow();
    }
    return 0;
  }

  private void grow() {
    long[] old = slots;
    slots = new long[old.length * 2];
    int mask = (slots.length >> 1) - 1;
    for (int j = 0; j < old.length; j += 2) {
      long h = old[j];
      if (h != 0) {
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (slots[2 * i] != 0) {
          i = (i + 1) & mask;
        }
        slots[2 * i] = h;
        slots[2 * i + 1] = old[j + 1];
      }
    }
  }

  /**
   * A 64-bit hash of the bytes: four independent lanes of eight bytes (so the multiplications
   * overlap), then the tail, then a final avalanche.
   */
  static long hash(byte[] b, int off, int len) {
    long h0 = len * M;
    long h1 = ~h0;
    long h2 = h0 ^ 0x2545F4914F6CDD1DL;
    long h3 = h0 ^ 0x632BE59BD9B4E019L;
    int i = off;
    int end = off + len;
    for (; i + 32 <= end; i += 32) {
      h0 = Long.rotateLeft(h0 ^ ((long) LONGS.get(b, i) * M), 29) * C;
      h1 = Long.rotateLeft(h1 ^ ((long) LONGS.get(b, i + 8) * M), 29) * C;
      h2 = Long.rotateLeft(h2 ^ ((long) LONGS.get(b, i + 16) * M), 29) * C;
      h3 = Long.rotateLeft(h3 ^ ((long) LONGS.get(b, i + 24) * M), 29) * C;
    }
    long h = h0 ^ Long.rotateLeft(h1, 17) ^ Long.rotateLeft(h2, 31) ^ Long.rotateLeft(h3, 47);
    for (; i + 8 <= end; i += 8) {
      h = Long.rotateLeft(h ^ ((long) LONGS.get(b, i) * M), 29) * C;
    }
    long tail = 0;
    for (int s = 0; i < end; i++, s += 8) {
      tail |= (b[i] & 0xFFL) << s;
    }
    h = Long.rotateLeft(h ^ (tail * M), 29) * C;
    h ^= h >>> 31;
    h *= 0x94D049BB133111EBL;
    return h ^ (h >>> 29);
  }
}
