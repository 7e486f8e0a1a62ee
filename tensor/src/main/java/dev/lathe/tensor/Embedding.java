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
}
