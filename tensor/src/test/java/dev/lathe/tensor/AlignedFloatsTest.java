package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * What the cache-line start of the packed B panels rests on: under G1 (the test JVM's collector)
 * the arrays are large enough to be placed at a region start, and element {@link
 * AlignedFloats#START} is one array header past it, on a 64-byte boundary. (Where an array sits
 * cannot be read from Java; the GEMM tests check that the offset panels give the same products.)
 */
class AlignedFloatsTest {

  @Test
  void underG1TheArraysTakeHalfARegionAndStartOneHeaderPastALine() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    boolean g1 = Boolean.parseBoolean(vm.getVMOption("UseG1GC").getValue());
    long region = Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue());
    boolean compact = Boolean.parseBoolean(vm.getVMOption("UseCompactObjectHeaders").getValue());
    float[] a = AlignedFloats.floats(1000);
    assertThat(a.length).isGreaterThanOrEqualTo(AlignedFloats.START + 1000);
    assertThat(AlignedFloats.atLeast(a, a.length - AlignedFloats.START)).isSameAs(a);
    float[] grown = AlignedFloats.atLeast(a, a.length - AlignedFloats.START + 1);
    assertThat(grown).isNotSameAs(a);
    assertThat(grown.length).isGreaterThan(a.length);
    if (g1 && region <= 16L << 20) {
      int header = compact ? 12 : 16;
      assertThat(header + AlignedFloats.START * Float.BYTES).isEqualTo(64);
      assertThat((long) a.length * Float.BYTES).isGreaterThanOrEqualTo(region / 2);
    } else {
      assertThat(AlignedFloats.START).isZero();
    }
  }
}
