package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Sum of a float vector's lanes by a fixed pairwise tree: lane i plus lane i xor h, for h = L/2,
 * ..., 1, then lane 0. Each step is an element-wise add of the vector and a permutation of it, so
 * the interpreted and the compiled Vector API give the same bits.
 *
 * <p>{@code reduceLanes(ADD)} is not used for floating-point sums: its plain-Java fallback (what
 * runs before C2 compiles a kernel) and its compiled intrinsic associate the lanes differently, so
 * the same call would return other bits once the JIT kicks in (see {@code JitDeterminismTest}).
 * {@code MAX}/{@code MIN} reductions do not depend on order and stay as they are.
 */
final class LaneSum {
  private LaneSum() {}

  private static final VectorSpecies<Float> F = KernelPath.F;
  private static final int L = F.length();

  // Swaps of lanes i and i xor h, as static finals so that C2 sees constants and unrolls the tree.
  static final VectorShuffle<Float> SWAP8 = swap(8);
  static final VectorShuffle<Float> SWAP4 = swap(4);
  static final VectorShuffle<Float> SWAP2 = swap(2);
  static final VectorShuffle<Float> SWAP1 = swap(1);

  /** Lanes of {@code v} (of the kernels' species, up to 16 lanes) summed by the fixed tree. */
  static float of(FloatVector v) {
    if (L >= 16) {
      v = v.add(v.rearrange(SWAP8));
    }
    if (L >= 8) {
      v = v.add(v.rearrange(SWAP4));
    }
    if (L >= 4) {
      v = v.add(v.rearrange(SWAP2));
    }
    if (L >= 2) {
      v = v.add(v.rearrange(SWAP1));
    }
    return v.lane(0);
  }

  private static VectorShuffle<Float> swap(int h) {
    return VectorShuffle.fromOp(F, i -> h < L ? i ^ h : i);
  }
}
