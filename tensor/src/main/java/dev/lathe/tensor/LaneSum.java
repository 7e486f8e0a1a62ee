package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Sum of a float vector's lanes in a fixed order: lane 0, then 1, 2, ... added one by one.
 *
 * <p>{@code reduceLanes(ADD)} is not used for floating-point sums: its plain-Java fallback (what
 * runs before C2 compiles a kernel) and its compiled intrinsic associate the lanes differently, so
 * the same call would return other bits once the JIT kicks in (see {@code JitDeterminismTest}).
 * {@code MAX}/{@code MIN} reductions do not depend on order and stay as they are.
 */
final class LaneSum {
  private LaneSum() {}

  /** Lanes of {@code v} summed from lane 0 upwards. */
  static float of(FloatVector v) {
    float sum = 0f;
    for (int l = 0; l < v.length(); l++) {
      sum += v.lane(l);
    }
    return sum;
  }
}
