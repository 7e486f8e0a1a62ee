package dev.lathe.transformer;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * How a family's f32 weights are checked against its config ({@link ModelWeights#checkShapes}): the
 * error for a missing tensor, for one of the wrong size and for a wrong number of blocks are
 * written once; a family lists only its tensors and their sizes.
 */
final class ShapeCheck {
  private ShapeCheck() {}

  /** Throws unless {@code a} is there and holds {@code expected} values, naming it {@code what}. */
  static void tensor(String what, float[] a, long expected) {
    if (a == null) {
      throw new IllegalArgumentException("missing weight: " + what);
    }
    if (a.length != expected) {
      throw new IllegalArgumentException(
          what + " has " + a.length + " values, the config needs " + expected);
    }
  }

  /**
   * Throws unless there are {@code expected} blocks, then checks block {@code i} with {@code
   * check}, given {@code "layer i "} to start the names of its tensors.
   */
  static <L> void blocks(List<L> layers, int expected, BiConsumer<String, L> check) {
    if (layers.size() != expected) {
      throw new IllegalArgumentException(
          "config has " + expected + " layers but weights have " + layers.size());
    }
    for (int i = 0; i < layers.size(); i++) {
      check.accept("layer " + i + " ", layers.get(i));
    }
  }
}
