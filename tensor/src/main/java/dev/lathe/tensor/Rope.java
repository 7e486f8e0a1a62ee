package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Rotary position embedding applied to one position's heads, in place.
 *
 * <p>Two layouts exist for the same rotation: {@link Style#INTERLEAVED} rotates adjacent pairs
 * {@code (2i, 2i+1)} (llama2.c, GGUF, Meta's original code) and {@link Style#ROTATE_HALF} rotates
 * {@code (i, i + d/2)} (Hugging Face, whose q/k projection rows are permuted to match). Pair {@code
 * i} turns by {@code pos * invFreq[i]} with {@code invFreq[i] = theta^(-2i/d)}, optionally scaled
 * ({@link RopeScaling}). Backward is the same rotation by the negated angle.
 */
public final class Rope {
  private Rope() {}

  /** Which dimensions form a rotated pair. */
  public enum Style {
    /** Pairs (2i, 2i+1): llama2.c and GGUF. */
    INTERLEAVED,
    /** Pairs (i, i + d/2): Hugging Face. */
    ROTATE_HALF
  }

  /**
   * Cosines and sines of every (position, pair), computed in double and rounded once.
   *
   * <pre>
   * // cos, sin: (maxPositions, headDim/2)
   * </pre>
   */
  public record Table(float[] cos, float[] sin, int headDim, int maxPositions) {

    /** Builds the table for {@code headDim}-wide heads (even) up to {@code maxPositions}. */
    public static Table of(int headDim, int maxPositions, double theta, RopeScaling scaling) {
      if (headDim <= 0 || headDim % 2 != 0) {
        throw new IllegalArgumentException("RoPE head dimension must be even, got " + headDim);
      }
      int half = headDim / 2;
      float[] cos = new float[maxPositions * half];
      float[] sin = new float[maxPositions * half];
      double[] inv = new double[half];
      for (int i = 0; i < half; i++) {
        inv[i] = scaling.scale(1.0 / Math.pow(theta, (2.0 * i) / headDim));
      }
      for (int p = 0; p < maxPositions; p++) {
        for (int i = 0; i < half; i++) {
          double angle = p * inv[i];
          cos[p * half + i] = (float) Math.cos(angle);
          sin[p * half + i] = (float) Math.sin(angle);
        }
      }
      return new Table(cos, sin, headDim, maxPositions);
    }
  }

  /**
   * Rotates {@code nHeads} heads of one position.
   *
   * <pre>
   * // x: (nHeads, headDim) at off, rotated in place for position pos
   * </pre>
   */
  public static void forward(Style style, float[] x, int off, int nHeads, Table t, int pos) {
    if (KernelPath.vector()) {
      forwardVector(style, x, off, nHeads, t, pos);
    } else {
      forwardScalar(style, x, off, nHeads, t, pos);
    }
  }

  /**
   * Turns the gradient of the rotated values into the gradient of the values before rotation, in
   * place: the rotation is orthogonal, so this is the rotation by the negated angle.
   *
   * <pre>
   * // dx: (nHeads, headDim) at off; d out on entry, d in on return, for position pos
   * </pre>
   */
  public static void backward(Style style, float[] dx, int off, int nHeads, Table t, int pos) {
    if (KernelPath.vector()) {
      backwardVector(style, dx, off, nHeads, t, pos);
    } else {
      backwardScalar(style, dx, off, nHeads, t, pos);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(Style style, float[] x, int off, int nHeads, Table t, int pos) {
    rotateScalar(style, x, off, nHeads, t, pos, 1f);
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      Style style, float[] dx, int off, int nHeads, Table t, int pos) {
    rotateScalar(style, dx, off, nHeads, t, pos, -1f);
  }

  /** Vector API path of {@link #forward}; bit-identical to the scalar reference. */
  public static void forwardVector(Style style, float[] x, int off, int nHeads, Table t, int pos) {
    rotateVector(style, x, off, nHeads, t, pos, 1f);
  }

  /** Vector API path of {@link #backward}; bit-identical to the scalar reference. */
  public static void backwardVector(
      Style style, float[] dx, int off, int nHeads, Table t, int pos) {
    rotateVector(style, dx, off, nHeads, t, pos, -1f);
  }

  /** Rotates by the table's angle ({@code sign} 1) or its negation ({@code sign} -1). */
  private static void rotateScalar(
      Style style, float[] x, int off, int nHeads, Table t, int pos, float sign) {
    checkPosition(t, pos);
    int d = t.headDim();
    int half = d / 2;
    int tab = pos * half;
    for (int h = 0; h < nHeads; h++) {
      int base = off + h * d;
      for (int i = 0; i < half; i++) {
        int a = style == Style.INTERLEAVED ? base + 2 * i : base + i;
        int b = style == Style.INTERLEAVED ? a + 1 : a + half;
        float c = t.cos()[tab + i];
        float s = sign * t.sin()[tab + i];
        float x0 = x[a];
        float x1 = x[b];
        x[a] = x0 * c - x1 * s;
        x[b] = x0 * s + x1 * c;
      }
    }
  }

  /**
   * Rotate-half pairs are two contiguous runs and are rotated with vectors; interleaved pairs take
   * the scalar loop. (They were gathered and scattered with even/odd index maps, which gave wrong
   * values once C2 compiled the method on JDK 25 with AVX-512: RopeTest calls it until compiled.)
   */
  private static void rotateVector(
      Style style, float[] x, int off, int nHeads, Table t, int pos, float sign) {
    if (style == Style.INTERLEAVED) {
      rotateScalar(style, x, off, nHeads, t, pos, sign);
      return;
    }
    checkPosition(t, pos);
    int d = t.headDim();
    int half = d / 2;
    int tab = pos * half;
    int bound = F.loopBound(half);
    for (int h = 0; h < nHeads; h++) {
      int base = off + h * d;
      int i = 0;
      for (; i < bound; i += F.length()) {
        FloatVector c = FloatVector.fromArray(F, t.cos(), tab + i);
        FloatVector s = FloatVector.fromArray(F, t.sin(), tab + i).mul(sign);
        FloatVector x0 = FloatVector.fromArray(F, x, base + i);
        FloatVector x1 = FloatVector.fromArray(F, x, base + half + i);
        x0.mul(c).sub(x1.mul(s)).intoArray(x, base + i);
        x0.mul(s).add(x1.mul(c)).intoArray(x, base + half + i);
      }
      for (; i < half; i++) {
        float c = t.cos()[tab + i];
        float s = sign * t.sin()[tab + i];
        float x0 = x[base + i];
        float x1 = x[base + half + i];
        x[base + i] = x0 * c - x1 * s;
        x[base + half + i] = x0 * s + x1 * c;
      }
    }
  }

  private static void checkPosition(Table t, int pos) {
    if (pos < 0 || pos >= t.maxPositions()) {
      throw new IllegalArgumentException(
          "RoPE position " + pos + " is outside the table of " + t.maxPositions() + " positions");
    }
  }
}
