package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * {@code exp(x)} in float for the vector kernels, built only from operations whose results the Java
 * specification fixes (add, multiply, fused multiply-add, integer shifts), so it gives the same
 * bits interpreted and compiled. The Vector API's own {@code EXP} does not: its plain-Java fallback
 * and the C2 intrinsic call different math libraries, so a kernel using it changes its last bits
 * once the JIT compiles it (a run's losses would then depend on JIT timing).
 *
 * <p>Method: {@code x = k·ln2 + r} with {@code k} the nearest integer to {@code x/ln2} (rounded by
 * adding and subtracting 1.5·2²³) and {@code r} in [−ln2/2, ln2/2] from a two-part ln2 (Cody and
 * Waite); {@code e^r} by its degree-7 Taylor polynomial in Horner form (truncation below 6e-9
 * relative); {@code 2^k} by building the float's exponent bits. Inputs are clamped to [−87, 88]
 * first (results below {@code e^−87 ≈ 1.6e−38} are returned as that value, not as subnormals or
 * zero; larger inputs saturate near {@code e^88}). Error: within a few ulps of the true value.
 * {@link #exp(float)} is the scalar twin, the same operations one lane at a time, bit for bit.
 */
public final class VectorExp {
  private VectorExp() {}

  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5 * 2^23
  private static final float LO = -87f;
  private static final float HI = 88f;
  private static final float C2 = 1f / 2;
  private static final float C3 = 1f / 6;
  private static final float C4 = 1f / 24;
  private static final float C5 = 1f / 120;
  private static final float C6 = 1f / 720;
  private static final float C7 = 1f / 5040;

  /** {@code exp} of every lane. */
  public static FloatVector exp(FloatVector x) {
    var s = x.species();
    x = x.max(LO).min(HI);
    FloatVector kf = x.fma(LOG2E, ROUND).sub(ROUND);
    FloatVector r = kf.fma(FloatVector.broadcast(s, -LN2_HI), x);
    r = kf.fma(FloatVector.broadcast(s, -LN2_LO), r);
    FloatVector p = r.fma(C7, C6);
    p = p.fma(r, FloatVector.broadcast(s, C5));
    p = p.fma(r, FloatVector.broadcast(s, C4));
    p = p.fma(r, FloatVector.broadcast(s, C3));
    p = p.fma(r, FloatVector.broadcast(s, C2));
    FloatVector one = FloatVector.broadcast(s, 1f);
    p = p.fma(r, one);
    p = p.fma(r, one);
    IntVector k = (IntVector) kf.convert(VectorOperators.F2I, 0);
    FloatVector scale =
        (FloatVector) k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(scale);
  }

  /**
   * {@code x[off .. off+bound) = exp(x - shift)} in place ({@code bound} a multiple of the kernels'
   * vector length), returning the sum of the values written: accumulated lane-wise over the loop,
   * then the lanes summed by {@link LaneSum}'s fixed tree, so the bits of {@code LaneSum.of} over
   * the accumulated {@link #exp(FloatVector)} values. The exponential is written out here, not
   * called: a vector passed to a call the JIT leaves un-inlined is allocated, and in a large
   * compiled decode step it did leave it.
   */
  static float expShiftedSum(float[] x, int off, int bound, float shift) {
    var s = KernelPath.F;
    FloatVector acc = FloatVector.zero(s);
    FloatVector one = FloatVector.broadcast(s, 1f);
    for (int i = 0; i < bound; i += s.length()) {
      FloatVector v = FloatVector.fromArray(s, x, off + i).sub(shift).max(LO).min(HI);
      FloatVector kf = v.fma(LOG2E, ROUND).sub(ROUND);
      FloatVector r = kf.fma(FloatVector.broadcast(s, -LN2_HI), v);
      r = kf.fma(FloatVector.broadcast(s, -LN2_LO), r);
      FloatVector p = r.fma(C7, C6);
      p = p.fma(r, FloatVector.broadcast(s, C5));
      p = p.fma(r, FloatVector.broadcast(s, C4));
      p = p.fma(r, FloatVector.broadcast(s, C3));
      p = p.fma(r, FloatVector.broadcast(s, C2));
      p = p.fma(r, one);
      p = p.fma(r, one);
      IntVector k = (IntVector) kf.convert(VectorOperators.F2I, 0);
      FloatVector e =
          p.mul((FloatVector) k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
      e.intoArray(x, off + i);
      acc = acc.add(e);
    }
    // LaneSum.of's tree, written out for the same reason
    int lanes = s.length();
    if (lanes >= 16) {
      acc = acc.add(acc.rearrange(LaneSum.SWAP8));
    }
    if (lanes >= 8) {
      acc = acc.add(acc.rearrange(LaneSum.SWAP4));
    }
    if (lanes >= 4) {
      acc = acc.add(acc.rearrange(LaneSum.SWAP2));
    }
    if (lanes >= 2) {
      acc = acc.add(acc.rearrange(LaneSum.SWAP1));
    }
    return acc.lane(0);
  }

  /**
   * {@code dst[d .. d+L) = exp(-x[at .. at+L))} for the kernels' vector length L: the bits of
   * {@link #exp(FloatVector)} of the negated vector, written out for the reason {@link
   * #expShiftedSum} is. A batched decode step compiled with {@link SwiGlu} inlined into it had left
   * {@code exp} un-inlined (NodeCountInliningCutoff) once it had seen two weight formats, and
   * allocated 0.7 MB per 40 steps.
   */
  static void expNegated(float[] x, int at, float[] dst, int d) {
    var s = KernelPath.F;
    FloatVector v = FloatVector.fromArray(s, x, at).neg().max(LO).min(HI);
    FloatVector kf = v.fma(LOG2E, ROUND).sub(ROUND);
    FloatVector r = kf.fma(FloatVector.broadcast(s, -LN2_HI), v);
    r = kf.fma(FloatVector.broadcast(s, -LN2_LO), r);
    FloatVector p = r.fma(C7, C6);
    p = p.fma(r, FloatVector.broadcast(s, C5));
    p = p.fma(r, FloatVector.broadcast(s, C4));
    p = p.fma(r, FloatVector.broadcast(s, C3));
    p = p.fma(r, FloatVector.broadcast(s, C2));
    FloatVector one = FloatVector.broadcast(s, 1f);
    p = p.fma(r, one);
    p = p.fma(r, one);
    IntVector k = (IntVector) kf.convert(VectorOperators.F2I, 0);
    p.mul((FloatVector) k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
        .intoArray(dst, d);
  }

  /** The scalar twin of {@link #exp(FloatVector)}: the same operations, the same bits. */
  public static float exp(float x) {
    x = Math.min(Math.max(x, LO), HI);
    float kf = Math.fma(x, LOG2E, ROUND) - ROUND;
    float r = Math.fma(kf, -LN2_HI, x);
    r = Math.fma(kf, -LN2_LO, r);
    float p = Math.fma(r, C7, C6);
    p = Math.fma(p, r, C5);
    p = Math.fma(p, r, C4);
    p = Math.fma(p, r, C3);
    p = Math.fma(p, r, C2);
    p = Math.fma(p, r, 1f);
    p = Math.fma(p, r, 1f);
    float scale = Float.intBitsToFloat(((int) kf + 127) << 23);
    return p * scale;
  }
}
