package dev.lathe.tensor;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * Float arrays with an element on a 64-byte cache-line boundary, for the packed B panels that
 * {@link GemmMicroKernel} loads a vector at a time: a vector load that spans two cache lines costs
 * two.
 *
 * <p>Java does not say where an array sits; objects are placed 8 bytes apart. One placement is
 * known: the G1 collector (the JVM's default) puts an array of at least half a heap region at the
 * start of a region, and regions are a power of two of at least 1 MB. Such an array's elements
 * start one array header (16 bytes, 12 with compact object headers) past a cache line, so element
 * {@link #START} is on one. Under G1 with regions of at most 16 MB, {@link #floats} therefore
 * returns arrays of at least half a region (2 MB per thread with 4 MB regions); elsewhere it
 * returns plain arrays, {@link #START} is 0, and only the speed differs.
 *
 * <p>Measured: 2048³ products on one thread of a Xeon with AVX-512 ran at 125–149 GFLOP/s with the
 * panels started on a line, against 114–131 from a plain array (three layouts, alternated runs;
 * BENCHMARKS.md).
 */
final class AlignedFloats {
  private AlignedFloats() {}

  /** Bytes per cache line. */
  private static final int LINE = 64;

  /** Largest region for which arrays are made humongous (their floor is half of it). */
  private static final long MAX_REGION = 16L << 20;

  /** The first element on a cache line in an array from {@link #floats}; 0 when not known. */
  static final int START;

  /** Fewest floats an array from {@link #floats} has (half a G1 region, or 0). */
  private static final int FLOOR;

  static {
    int start = 0;
    int floor = 0;
    try {
      HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      boolean g1 = Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue());
      long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
      boolean compact = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue());
      boolean narrowKlass =
          Boolean.parseBoolean(vm.getVMOption("UseCompressedClassPointers").getValue());
      if (g1 && region > 0 && region <= MAX_REGION && (compact || narrowKlass)) {
        int header = compact ? 12 : 16;
        start = (LINE - header) / Float.BYTES;
        floor = (int) (region / 2 / Float.BYTES) + start;
      }
    } catch (RuntimeException | LinkageError e) {
      // no HotSpot flags to read: plain arrays
    }
    START = start;
    FLOOR = floor;
  }

  /** An array with at least {@code n} floats from {@link #START}. */
  static float[] floats(int n) {
    return new float[Math.max(START + n, FLOOR)];
  }

  /** {@code have} when it holds {@code n} floats from {@link #START}, else {@link #floats}. */
  static float[] atLeast(float[] have, int n) {
    return have.length >= START + n ? have : floats(n);
  }
}
