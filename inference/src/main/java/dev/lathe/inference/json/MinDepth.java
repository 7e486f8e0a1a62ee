package dev.lathe.inference.json;

import dev.lathe.inference.json.Shape.ArrayShape;
import dev.lathe.inference.json.Shape.ChoiceShape;
import dev.lathe.inference.json.Shape.LiteralShape;
import dev.lathe.inference.json.Shape.MapShape;
import dev.lathe.inference.json.Shape.NumberShape;
import dev.lathe.inference.json.Shape.ObjectShape;
import dev.lathe.inference.json.Shape.Property;
import dev.lathe.inference.json.Shape.RefShape;
import dev.lathe.inference.json.Shape.StringShape;
import java.util.List;

/**
 * Fills {@link Shape#minDepth}: the least fixed point of "an object needs one level more than its
 * deepest required property, an array or free-form object one level, a choice its shallowest
 * option". A shape left {@link Shape#UNBOUNDED} has no finite value (a required property that
 * refers back to its own object, an empty {@code anyOf} of {@code false}).
 */
final class MinDepth {
  private MinDepth() {}

  static void compute(List<Shape> shapes) {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Shape s : shapes) {
        int depth = of(s);
        if (depth < s.minDepth) {
          s.minDepth = depth;
          changed = true;
        }
      }
    }
  }

  private static int of(Shape s) {
    return switch (s) {
      case ObjectShape o -> {
        int deepest = 0;
        for (Property p : o.properties) {
          if (p.required()) {
            deepest = Math.max(deepest, p.shape().minDepth);
          }
        }
        yield deepest >= Shape.UNBOUNDED ? Shape.UNBOUNDED : deepest + 1;
      }
      case MapShape m -> 1;
      case ArrayShape a -> 1;
      case StringShape t -> 0;
      case NumberShape n -> 0;
      case LiteralShape l -> 0;
      case ChoiceShape c -> {
        int least = Shape.UNBOUNDED;
        for (Shape option : c.options) {
          least = Math.min(least, option.minDepth);
        }
        yield least;
      }
      case RefShape r -> r.resolved() == null ? Shape.UNBOUNDED : r.resolved().minDepth;
    };
  }
}
