package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import jdk.incubator.vector.FloatVector;

/**
 * Embedding lookup: row {@code tokens[t]} of the token table, plus (GPT-2) row {@code pos0 + t} of
 * a learned position table. Backward scatters the output gradient into those same rows.
 */
public final class Embedding {
  private Embedding() {}

  /**
   * Looks up {@code count} tokens.
   *
   * <pre>
   * // out: (T, C)   tokens: (T) at tokOff   wte: (V, C)   wpe: (maxT, C) or null
   * </pre>
   */
  public static void forward(
      float[] out, int[] tokens, int tokOff, int count, float[] wte, float[] wpe, int pos0, int c) {
    if (KernelPath.vector()) {
      forwardVector(out, tokens, tokOff, count, wte, wpe, pos0, c);
    } else {
      forwardScalar(out, tokens, tokOff, count, wte, wpe, pos0, c);
    }
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(
      float[] out, int[] tokens, int tokOff, int count, float[] wte, float[] wpe, int pos0, int c) {
    for (int t = 0; t < count; t++) {
      int row = checkedRow(tokens[tokOff + t], wte.length / c) * c;
      int o = t * c;
      if (wpe == null) {
        System.arraycopy(wte, row, out, o, c);
      } else {
        int p = (pos0 + t) * c;
        for (int j = 0; j < c; j++) {
          out[o + j] = wte[row + j] + wpe[p + j];
        }
      }
    }
  }

  /** Vector API path of {@link #forward}; bit-identical to the scalar reference. */
  public static void forwardVector(
      float[] out, int[] tokens, int tokOff, int count, float[] wte, float[] wpe, int pos0, int c) {
    int bound = F.loopBound(c);
    for (int t = 0; t < count; t++) {
      int row = checkedRow(tokens[tokOff + t], wte.length / c) * c;
      int o = t * c;
      int j = 0;
      if (wpe == null) {
        for (; j < bound; j += F.length()) {
          FloatVector.fromArray(F, wte, row + j).intoArray(out, o + j);
        }
        for (; j < c; j++) {
          out[o + j] = wte[row + j];
        }
      } else {
        int p = (pos0 + t) * c;
        for (; j < bound; j += F.length()) {
          FloatVector.fromArray(F, wte, row + j)
              .add(FloatVector.fromArray(F, wpe, p + j))
              .intoArray(out, o + j);
        }
        for (; j < c; j++) {
          out[o + j] = wte[row + j] + wpe[p + j];
        }
      }
    }
  }

  private static int checkedRow(int token, int vocab) {
    if (token < 0 || token >= vocab) {
      throw new IllegalArgumentException(
          "token id " + token + " is outside the vocabulary [0, " + vocab + ")");
    }
    return token;
  }

  /**
   * Scatters the output gradient of {@link #forward} into the rows it read, adding; rows are
   * visited in token order, so the result does not depend on anything but the inputs.
   *
   * <pre>
   * // dWte: (V, C) accumulated, or null (frozen)   dWpe: (maxT, C) accumulated, or null
   * // dOut: (T, C)   tokens: (T) at tokOff
   * </pre>
   */
  public static void backward(
      float[] dWte,
      float[] dWpe,
      float[] dOut,
      int[] tokens,
      int tokOff,
      int count,
      int pos0,
      int c) {
    if (KernelPath.vector()) {
      backwardVector(dWte, dWpe, dOut, tokens, tokOff, count, pos0, c);
    } else {
      backwardScalar(dWte, dWpe, dOut, tokens, tokOff, count, pos0, c);
    }
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dWte,
      float[] dWpe,
      float[] dOut,
      int[] tokens,
      int tokOff,
      int count,
      int pos0,
      int c) {
    for (int t = 0; t < count; t++) {
      int o = t * c;
      if (dWte != null) {
        int row = checkedRow(tokens[tokOff + t], dWte.length / c) * c;
        for (int j = 0; j < c; j++) {
          dWte[row + j] += dOut[o + j];
        }
      }
      if (dWpe != null) {
        int p = (pos0 + t) * c;
        for (int j = 0; j < c; j++) {
          dWpe[p + j] += dOut[o + j];
        }
      }
    }
  }

  /** Vector API path of {@link #backward}; bit-identical to the scalar reference. */
  public static void backwardVector(
      float[] dWte,
      float[] dWpe,
      float[] dOut,
      int[] tokens,
      int tokOff,
      int count,
      int pos0,
      int c) {
    for (int t = 0; t < count; t++) {
      int o = t * c;
      if (dWte != null) {
        int row = checkedRow(tokens[tokOff + t], dWte.length / c) * c;
        addRow(dWte, row, dOut, o, c);
      }
      if (dWpe != null) {
        addRow(dWpe, (pos0 + t) * c, dOut, o, c);
      }
    }
  }

  private static void addRow(float[] dst, int d, float[] src, int s, int c) {
    int bound = F.loopBound(c);
    int j = 0;
    for (; j < bound; j += F.length()) {
      FloatVector.fromArray(F, dst, d + j)
          .add(FloatVector.fromArray(F, src, s + j))
          .intoArray(dst, d + j);
    }
    for (; j < c; j++) {
      dst[d + j] += src[s + j];
    }
  }
}
