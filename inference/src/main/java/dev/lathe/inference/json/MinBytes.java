package dev.lathe.inference.json;

import dev.lathe.inference.json.Frame.Obj;
import dev.lathe.inference.json.Frame.Stack;
import dev.lathe.inference.json.Shape.ArrayShape;
import dev.lathe.inference.json.Shape.ChoiceShape;
import dev.lathe.inference.json.Shape.LiteralShape;
import dev.lathe.inference.json.Shape.MapShape;
import dev.lathe.inference.json.Shape.NumberShape;
import dev.lathe.inference.json.Shape.ObjectShape;
import dev.lathe.inference.json.Shape.Property;
import dev.lathe.inference.json.Shape.RefShape;
import dev.lathe.inference.json.Shape.StringShape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The fewest bytes that finish a document, so that a generation with a token budget is never let
 * into something it cannot close (see {@link JsonConstraint}). Whitespace is optional, so it never
 * counts.
 *
 * <p>Per shape ({@link #compute}), the length of its shortest value, {@link Shape#minBytes}: a
 * least fixed point like {@link MinDepth}'s — a string 2 ({@code ""}), a number 1 ({@code 0}), a
 * literal its shortest value ({@code true} 4, {@code null} 4), an array or free-form object 2, an
 * object with declared properties its braces plus every required property's key, colon and shortest
 * value, and the commas between them, a choice its shortest option. Nesting is bounded by {@link
 * JsonLimits#maxDepth()}, which the matcher enforces, so the length is kept per number of levels
 * still available: at the last level an {@code anyOf} of an array and a string must take the
 * string.
 *
 * <p>Per matcher state ({@link #toComplete}), the sum over its stack of what each frame still
 * needs: the innermost value's partial token (a closing quote and the rest of a character or escape
 * under way, a digit after {@code -}, {@code .} or {@code e}, the rest of the shortest literal
 * still matching), then each enclosing object's remaining required properties with their keys and
 * commas, and every closing bracket.
 */
final class MinBytes {
  private MinBytes() {}

  /** Fills {@link Shape#minBytes} for every shape reachable from {@code root}. */
  static void compute(Shape root, int maxDepth) {
    List<Shape> shapes = reachable(root);
    for (Shape s : shapes) {
      s.minBytes = new int[maxDepth + 1];
      Arrays.fill(s.minBytes, Shape.UNBOUNDED);
    }
    // a level depends on the one below (the values inside) and on itself (choices, references)
    for (int level = 0; level <= maxDepth; level++) {
      boolean changed = true;
      while (changed) {
        changed = false;
        for (Shape s : shapes) {
          int bytes = of(s, level);
          if (bytes < s.minBytes[level]) {
            s.minBytes[level] = bytes;
            changed = true;
          }
        }
      }
    }
  }

  /** The fewest bytes that complete the document on {@code stack}, 0 when it is complete. */
  static int toComplete(Stack stack, int maxDepth) {
    int total = 0;
    for (Stack s = stack; s != Stack.EMPTY; s = s.below()) {
      total = add(total, frame(s.top(), maxDepth));
    }
    return total;
  }

  private static int of(Shape s, int level) {
    return switch (s) {
      case ObjectShape o -> {
        if (level == 0) {
          yield Shape.UNBOUNDED;
        }
        int bytes = 2; // {}
        int count = 0;
        for (Property p : o.properties) {
          if (p.required()) {
            bytes = add(bytes, entry(p, level - 1));
            count++;
          }
        }
        yield add(bytes, Math.max(0, count - 1)); // the commas between them
      }
      case MapShape m -> level == 0 ? Shape.UNBOUNDED : 2;
      case ArrayShape a -> level == 0 ? Shape.UNBOUNDED : 2;
      case StringShape t -> 2;
      case NumberShape n -> 1;
      case LiteralShape l -> {
        int least = Shape.UNBOUNDED;
        for (byte[] v : l.values) {
          least = Math.min(least, v.length);
        }
        yield least;
      }
      case ChoiceShape c -> {
        int least = Shape.UNBOUNDED;
        for (Shape option : c.options) {
          least = Math.min(least, option.minBytes[level]);
        }
        yield least;
      }
      case RefShape r -> r.resolved() == null ? Shape.UNBOUNDED : r.resolved().minBytes[level];
    };
  }

  /** {@code "key":value} at its shortest, the value within {@code level} levels. */
  private static int entry(Property p, int level) {
    return add(p.key().length + 1, value(p.shape(), level));
  }

  private static int value(Shape shape, int level) {
    return level < 0 ? Shape.UNBOUNDED : shape.minBytes[level];
  }

  private static int frame(Frame f, int maxDepth) {
    return switch (f) {
      case Frame.Value v -> value(v.shape(), maxDepth - v.depth());
      case Frame.Text t ->
          1 // the closing quote
              + switch (t.escape()) {
                case Frame.Text.NO_ESCAPE -> Utf8.pending(t.utf8());
                case Frame.Text.AFTER_BACKSLASH, Frame.Text.HEX_1 -> 1;
                case Frame.Text.HEX_2 -> 2;
                case Frame.Text.HEX_3, Frame.Text.HEX_3_LOW -> 3;
                default -> 4; // HEX_4
              };
      case Frame.Literal l -> literal(l);
      case Frame.Number n ->
          switch (n.phase()) {
            case Frame.Number.MINUS, Frame.Number.DOT, Frame.Number.EXP, Frame.Number.EXP_SIGN -> 1;
            default -> 0; // complete
          };
      case Obj o -> object(o, maxDepth - o.depth() - 1);
      case Frame.Map m -> {
        int values = value(m.shape().values, maxDepth - m.depth() - 1);
        yield switch (m.phase()) {
          case Obj.COMMA -> add(values, 4); // "":…}
          case Obj.COLON -> add(values, 2); // :…}
          default -> 1; // OPEN, AFTER: }
        };
      }
      case Frame.Array a ->
          a.phase() == Obj.COMMA
              ? add(value(a.shape().items, maxDepth - a.depth() - 1), 1) // …]
              : 1; // OPEN, AFTER: ]
    };
  }

  /** The rest of the shortest value still matching. */
  private static int literal(Frame.Literal l) {
    List<byte[]> values = l.shape().values;
    byte[] anchor = values.get(l.anchor());
    int least = Shape.UNBOUNDED;
    for (int i = l.anchor(); i < values.size(); i++) {
      byte[] v = values.get(i);
      if (v.length >= l.pos() && Arrays.equals(v, 0, l.pos(), anchor, 0, l.pos())) {
        least = Math.min(least, v.length - l.pos());
      }
    }
    return least;
  }

  /** What an object still needs, its values within {@code level} levels. */
  private static int object(Obj o, int level) {
    List<Property> props = o.shape().properties;
    boolean requiredLeft = o.shape().requiredFrom[o.next()];
    return switch (o.phase()) {
      case Obj.OPEN -> requiredLeft ? after(o, o.next(), level) - 1 : 1;
      case Obj.COMMA -> {
        if (requiredLeft) {
          yield after(o, o.next(), level) - 1; // the comma is written
        }
        int least = Shape.UNBOUNDED; // an optional property must follow the comma
        for (int i = o.next(); i < props.size(); i++) {
          least = Math.min(least, entry(props.get(i), level));
        }
        yield add(least, 1);
      }
      case Obj.KEY -> {
        byte[] anchor = props.get(o.prop()).key();
        int pos = o.keyPos();
        int least = Shape.UNBOUNDED;
        for (int i = o.prop(); i < props.size(); i++) { // the candidates the matcher keeps
          Property p = props.get(i);
          byte[] key = p.key();
          if (key.length > pos && Arrays.equals(key, 0, pos, anchor, 0, pos)) {
            int rest = add(key.length - pos + 1, value(p.shape(), level));
            least = Math.min(least, add(rest, after(o, i + 1, level)));
          }
          if (p.required()) {
            break;
          }
        }
        yield least;
      }
      case Obj.COLON ->
          add(add(1, value(props.get(o.prop()).shape(), level)), after(o, o.prop() + 1, level));
      default -> after(o, o.next(), level); // AFTER
    };
  }

  /** After an entry, properties from {@code next} on: {@code ,"key":value} per required one, }. */
  private static int after(Obj o, int next, int level) {
    List<Property> props = o.shape().properties;
    int bytes = 1;
    for (int i = next; i < props.size(); i++) {
      if (props.get(i).required()) {
        bytes = add(bytes, add(1, entry(props.get(i), level)));
      }
    }
    return bytes;
  }

  private static int add(int a, int b) {
    return (int) Math.min(Shape.UNBOUNDED, (long) a + b);
  }

  private static List<Shape> reachable(Shape root) {
    Set<Shape> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Shape> out = new ArrayList<>();
    ArrayDeque<Shape> queue = new ArrayDeque<>(List.of(root));
    while (!queue.isEmpty()) {
      Shape s = queue.poll();
      if (s == null || !seen.add(s)) {
        continue;
      }
      out.add(s);
      switch (s) {
        case ObjectShape o -> o.properties.forEach(p -> queue.add(p.shape()));
        case MapShape m -> queue.add(m.values);
        case ArrayShape a -> queue.add(a.items);
        case ChoiceShape c -> queue.addAll(c.options);
        case RefShape r -> {
          if (r.resolved() != null) {
            queue.add(r.resolved());
          }
        }
        default -> {}
      }
    }
    return out;
  }
}
