package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DuplicateTrackerTest {
  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void remembersTheFirstLineOfEachDistinctContentAcrossGrowth() {
    DuplicateTracker tracker = new DuplicateTracker(1 << 20);
    for (int i = 1; i <= 50_000; i++) {
      byte[] b = bytes("{\"n\": " + i + "}");
      assertThat(tracker.firstSeen(b, 0, b.length, i)).isZero();
    }
    for (int i = 1; i <= 50_000; i += 997) {
      byte[] b = bytes("xx{\"n\": " + i + "}");
      assertThat(tracker.firstSeen(b, 2, b.length - 2, 100_000 + i)).isEqualTo(i);
    }
  }

  @Test
  void stopsTrackingNewContentWhenFullButStillFindsKnownContent() {
    DuplicateTracker tracker = new DuplicateTracker(2);
    byte[] a = bytes("a");
    byte[] b = bytes("b");
    byte[] c = bytes("c");
    tracker.firstSeen(a, 0, 1, 1);
    tracker.firstSeen(b, 0, 1, 2);

    assertThat(tracker.firstSeen(c, 0, 1, 3)).isZero();
    assertThat(tracker.firstSeen(c, 0, 1, 4)).isZero();
    assertThat(tracker.firstSeen(a, 0, 1, 5)).isEqualTo(1);
  }

  @Test
  void hashDependsOnEveryByteAndTheLength() {
    byte[] base = bytes("0123456789abcdefXYZ".repeat(7)); // lanes of 32, then 8, then a tail
    long h = DuplicateTracker.hash(base, 0, base.length);
    for (int i = 0; i < base.length; i++) {
      byte[] changed = base.clone();
      changed[i] ^= 1;
      assertThat(DuplicateTracker.hash(changed, 0, changed.length)).isNotEqualTo(h);
    }
    assertThat(DuplicateTracker.hash(new byte[3], 0, 3))
        .isNotEqualTo(DuplicateTracker.hash(new byte[4], 0, 4));
  }
}
