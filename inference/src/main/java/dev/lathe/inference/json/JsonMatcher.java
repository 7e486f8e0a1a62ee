package dev.lathe.inference.json;

import dev.lathe.inference.json.Frame.Obj;
import dev.lathe.inference.json.Frame.Stack;
import dev.lathe.inference.json.Frame.Text;
import dev.lathe.inference.json.Shape.ArrayShape;
import dev.lathe.inference.json.Shape.ChoiceShape;
import dev.lathe.inference.json.Shape.LiteralShape;
import dev.lathe.inference.json.Shape.MapShape;
import dev.lathe.inference.json.Shape.NumberShape;
import dev.lathe.inference.json.Shape.ObjectShape;
import dev.lathe.inference.json.Shape.StringShape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An incremental, byte-level recognizer of the documents a {@link JsonGrammar} admits: a prefix of
 * UTF-8 bytes is accepted one byte at a time, and every accepted prefix can still be completed to a
 * valid document (within the grammar's {@link JsonLimits}) — there are no dead ends.
 *
 * <p>A matcher is immutable: {@link #advance(int)} returns the next state (or null for a byte that
 * cannot continue), so snapshots and rollback cost nothing and the token-mask walk keeps one state
 * per trie level. Its state is a small set of stacks of {@link Frame}s: usually one; several while
 * an {@code anyOf} (or a number that may end or go on) is still ambiguous. Equal states compare
 * equal.
 */
public final class JsonMatcher {
  private final JsonLimits limits;
  private final List<Stack> stacks;

  private JsonMatcher(JsonLimits limits, List<Stack> stacks) {
    this.limits = limits;
    this.stacks = stacks;
  }

  /** The state before the first byte of a document of {@code grammar}. */
  public static JsonMatcher start(JsonGrammar grammar) {
    Stack root = new Stack(new Frame.Value(grammar.root(), 0, 0), Stack.EMPTY);
    return new JsonMatcher(grammar.limits(), List.of(root));
  }

  /** The state after byte {@code b} (0..255), or null if no valid document continues so. */
  public JsonMatcher advance(int b) {
    List<Stack> out = new ArrayList<>(2);
    for (Stack s : stacks) {
      step(s, b, out);
    }
    return out.isEmpty() ? null : new JsonMatcher(limits, out);
  }

  /** The state after every byte of {@code bytes}, or null if one of them cannot continue. */
  public JsonMatcher advance(byte[] bytes) {
    JsonMatcher m = this;
    for (int i = 0; i < bytes.length && m != null; i++) {
      m = m.advance(bytes[i] & 0xFF);
    }
    return m;
  }

  /** Whether the bytes so far are a whole valid document. */
  public boolean isComplete() {
    for (Stack s : stacks) {
      if (s == Stack.EMPTY || (s.below() == Stack.EMPTY && mayEnd(s.top()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The fewest bytes that make the bytes so far a whole valid document: 0 when they are one.
   * Optional whitespace is never needed; see {@link MinBytes}.
   */
  public int minBytesToComplete() {
    int least = Shape.UNBOUNDED;
    for (Stack s : stacks) {
      least = Math.min(least, MinBytes.toComplete(s, limits.maxDepth()));
    }
    return least;
  }

  /** Whether some byte may still follow (a complete top-level number may go on, an object not). */
  public boolean canContinue() {
    for (int b = 0; b < 256; b++) {
      if (advance(b) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The single stack's innermost frame when it is a free-form string ready for plain text, else
   * null: then any token of plain string text fits if it fits the remaining length.
   */
  Text readyText() {
    return stacks.size() == 1 && stacks.get(0).top() instanceof Text t && t.ready() ? t : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonMatcher m && m.stacks.equals(stacks);
  }

  @Override
  public int hashCode() {
    return stacks.hashCode();
  }

  @Override
  public String toString() {
    return stacks.toString();
  }

  private static boolean mayEnd(Frame f) {
    return (f instanceof Frame.Number n && n.complete())
        || (f instanceof Frame.Literal l && literalComplete(l.shape(), l.pos(), l.anchor()));
  }

  private static boolean isWhitespace(int b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private static void emit(Stack s, List<Stack> out) {
    if (!out.contains(s)) {
      out.add(s);
    }
  }

  private void step(Stack s, int b, List<Stack> out) {
    if (s == Stack.EMPTY) {
      return; // the document is closed
    }
    Stack below = s.below();
    switch (s.top()) {
      case Frame.Value v -> {
        if (isWhitespace(b)) {
          if (v.ws() < limits.maxWhitespace()) {
            emit(new Stack(new Frame.Value(v.shape(), v.depth(), v.ws() + 1), below), out);
          }
        } else {
          start(v.shape(), v.depth(), b, below, out);
        }
      }
      case Text t -> text(t, b, below, out);
      case Frame.Literal l -> {
        byte[] anchor = l.shape().values.get(l.anchor());
        List<byte[]> values = l.shape().values;
        for (int i = l.anchor(); i < values.size(); i++) {
          byte[] v = values.get(i);
          if (v.length > l.pos() && (v[l.pos()] & 0xFF) == b && samePrefix(v, anchor, l.pos())) {
            literal(l.shape(), l.pos() + 1, i, below, out);
            break;
          }
        }
        if (literalComplete(l.shape(), l.pos(), l.anchor())) {
          step(below, b, out); // the value ended; the byte is the enclosing construct's
        }
      }
      case Frame.Number n -> {
        number(n, b, below, out);
        if (n.complete()) {
          step(below, b, out);
        }
      }
      case Obj o -> object(o, b, below, out);
      case Frame.Map m -> map(m, b, below, out);
      case Frame.Array a -> array(a, b, below, out);
    }
  }

  /** Starts a value of {@code shape} at {@code depth} with byte {@code b}. */
  private void start(Shape shape, int depth, int b, Stack below, List<Stack> out) {
    Shape s = shape.resolved();
    if ((long) depth + s.minDepth > limits.maxDepth()) {
      return; // could not close within the depth limit
    }
    switch (s) {
      case ChoiceShape c -> {
        for (Shape option : c.options) {
          start(option, depth, b, below, out);
        }
      }
      case ObjectShape o -> {
        if (b == '{') {
          emit(new Stack(new Obj(o, depth, Obj.OPEN, 0, 0, 0, 0), below), out);
        }
      }
      case MapShape m -> {
        if (b == '{') {
          emit(new Stack(new Frame.Map(m, depth, Obj.OPEN, 0, 0), below), out);
        }
      }
      case ArrayShape a -> {
        if (b == '[') {
          emit(new Stack(new Frame.Array(a, depth, Obj.OPEN, 0, 0), below), out);
        }
      }
      case StringShape t -> {
        if (b == '"') {
          Text body = new Text(limits.maxStringBytes(), Utf8.READY, Text.NO_ESCAPE);
          emit(new Stack(body, below), out);
        }
      }
      case NumberShape n -> {
        if (b == '-') {
          emit(new Stack(new Frame.Number(n.integer, Frame.Number.MINUS, 0), below), out);
        } else if (b >= '0' && b <= '9') {
          int phase = b == '0' ? Frame.Number.ZERO : Frame.Number.INT;
          emit(new Stack(new Frame.Number(n.integer, phase, 1), below), out);
        }
      }
      case LiteralShape l -> {
        for (int i = 0; i < l.values.size(); i++) {
          if ((l.values.get(i)[0] & 0xFF) == b) {
            literal(l, 1, i, below, out);
            break;
          }
        }
      }
      case Shape.RefShape r -> throw new IllegalStateException("unresolved " + r.pointer);
    }
  }

  /** The state once {@code pos} bytes of the literal anchored at {@code anchor} are matched. */
  private static void literal(LiteralShape l, int pos, int anchor, Stack below, List<Stack> out) {
    byte[] a = l.values.get(anchor);
    boolean longer = false;
    for (int i = anchor; i < l.values.size() && !longer; i++) {
      byte[] v = l.values.get(i);
      longer = v.length > pos && samePrefix(v, a, pos);
    }
    // a value that cannot go on is closed at once, so the matcher never lingers in it
    emit(longer ? new Stack(new Frame.Literal(l, pos, anchor), below) : below, out);
  }

  private static boolean literalComplete(LiteralShape l, int pos, int anchor) {
    byte[] a = l.values.get(anchor);
    for (int i = anchor; i < l.values.size(); i++) {
      byte[] v = l.values.get(i);
      if (v.length == pos && samePrefix(v, a, pos)) {
        return true;
      }
    }
    return false;
  }

  private static boolean samePrefix(byte[] a, byte[] b, int length) {
    return Arrays.equals(a, 0, length, b, 0, length);
  }

  private void text(Text t, int b, Stack below, List<Stack> out) {
    int rest = t.remaining() - 1;
    if (t.utf8() != Utf8.READY) {
      int next = Utf8.next(t.utf8(), b); // its bytes were reserved by the lead byte
      if (next != Utf8.REJECT) {
        emit(new Stack(new Text(rest, next, Text.NO_ESCAPE), below), out);
      }
      return;
    }
    int escape =
        switch (t.escape()) {
          case Text.NO_ESCAPE -> {
            if (b == '"') {
              emit(below, out);
              yield -1;
            }
            if (b == '\\') {
              yield t.remaining() >= 2 ? Text.AFTER_BACKSLASH : -1;
            }
            int next = b < 0x20 ? Utf8.REJECT : Utf8.next(Utf8.READY, b);
            if (next != Utf8.REJECT && 1 + Utf8.pending(next) <= t.remaining()) {
              emit(new Stack(new Text(rest, next, Text.NO_ESCAPE), below), out);
            }
            yield -1;
          }
          case Text.AFTER_BACKSLASH -> {
            if (b == 'u') {
              yield t.remaining() >= 5 ? Text.HEX_4 : -1;
            }
            yield "\"\\/bfnrt".indexOf(b) >= 0 ? Text.NO_ESCAPE : -1;
          }
          case Text.HEX_4 -> hex(b) ? (b == 'd' || b == 'D' ? Text.HEX_3_LOW : Text.HEX_3) : -1;
          case Text.HEX_3_LOW -> b >= '0' && b <= '7' ? Text.HEX_2 : -1;
          case Text.HEX_3 -> hex(b) ? Text.HEX_2 : -1;
          case Text.HEX_2 -> hex(b) ? Text.HEX_1 : -1;
          default -> hex(b) ? Text.NO_ESCAPE : -1; // HEX_1
        };
    if (escape >= 0) {
      emit(new Stack(new Text(rest, Utf8.READY, escape), below), out);
    }
  }

  private static boolean hex(int b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
  }

  private void number(Frame.Number n, int b, Stack below, List<Stack> out) {
    boolean digit = b >= '0' && b <= '9';
    boolean exponent = (b == 'e' || b == 'E') && !n.integer();
    int max = limits.maxNumberDigits();
    int phase = -1;
    int digits = 1;
    switch (n.phase()) {
      case Frame.Number.MINUS ->
          phase = !digit ? -1 : b == '0' ? Frame.Number.ZERO : Frame.Number.INT;
      case Frame.Number.ZERO, Frame.Number.INT, Frame.Number.FRAC -> {
        boolean more = n.phase() != Frame.Number.ZERO && n.digits() < max;
        if (digit && more) {
          phase = n.phase();
          digits = n.digits() + 1;
        } else if (b == '.' && !n.integer() && n.phase() != Frame.Number.FRAC) {
          phase = Frame.Number.DOT;
          digits = 0;
        } else if (exponent) {
          phase = Frame.Number.EXP;
          digits = 0;
        }
      }
      case Frame.Number.DOT -> phase = digit ? Frame.Number.FRAC : -1;
      case Frame.Number.EXP -> {
        if (b == '+' || b == '-') {
          phase = Frame.Number.EXP_SIGN;
          digits = 0;
        } else if (digit) {
          phase = Frame.Number.EXP_DIGITS;
        }
      }
      case Frame.Number.EXP_SIGN -> phase = digit ? Frame.Number.EXP_DIGITS : -1;
      default -> { // EXP_DIGITS
        if (digit && n.digits() < Frame.Number.MAX_EXPONENT_DIGITS) {
          phase = Frame.Number.EXP_DIGITS;
          digits = n.digits() + 1;
        }
      }
    }
    if (phase >= 0) {
      emit(new Stack(new Frame.Number(n.integer(), phase, digits), below), out);
    }
  }

  private void object(Obj o, int b, Stack below, List<Stack> out) {
    List<Shape.Property> props = o.shape().properties;
    if (o.phase() != Obj.KEY && isWhitespace(b)) {
      if (o.ws() < limits.maxWhitespace()) {
        emit(new Stack(withWs(o, o.ws() + 1), below), out);
      }
      return;
    }
    switch (o.phase()) {
      case Obj.OPEN, Obj.COMMA, Obj.AFTER -> {
        boolean requiredLeft = o.shape().requiredFrom[o.next()];
        if (b == '}' && o.phase() != Obj.COMMA && !requiredLeft) {
          emit(below, out);
        } else if (b == ',' && o.phase() == Obj.AFTER && firstCandidate(o, o.next()) >= 0) {
          emit(new Stack(new Obj(o.shape(), o.depth(), Obj.COMMA, o.next(), 0, 0, 0), below), out);
        } else if (b == '"' && o.phase() != Obj.AFTER) {
          int first = firstCandidate(o, o.next());
          if (first >= 0) {
            emit(
                new Stack(new Obj(o.shape(), o.depth(), Obj.KEY, o.next(), 0, 1, first), below),
                out);
          }
        }
      }
      case Obj.KEY -> {
        byte[] anchor = props.get(o.prop()).key();
        for (int i = o.prop(); i >= 0; i = nextCandidate(o, i)) {
          byte[] key = props.get(i).key();
          if (key.length > o.keyPos()
              && (key[o.keyPos()] & 0xFF) == b
              && samePrefix(key, anchor, o.keyPos())) {
            boolean done = key.length == o.keyPos() + 1; // the closing quote
            int phase = done ? Obj.COLON : Obj.KEY;
            emit(
                new Stack(
                    new Obj(o.shape(), o.depth(), phase, o.next(), 0, o.keyPos() + 1, i), below),
                out);
            break;
          }
        }
      }
      case Obj.COLON -> {
        if (b == ':') {
          Obj after = new Obj(o.shape(), o.depth(), Obj.AFTER, o.prop() + 1, 0, 0, 0);
          Shape value = props.get(o.prop()).shape();
          emit(new Stack(new Frame.Value(value, o.depth() + 1, 0), new Stack(after, below)), out);
        }
      }
      default -> throw new IllegalStateException("object phase " + o.phase());
    }
  }

  private static Obj withWs(Obj o, int ws) {
    return new Obj(o.shape(), o.depth(), o.phase(), o.next(), ws, o.keyPos(), o.prop());
  }

  /** The first property from {@code from} that may be written next, or -1. */
  private int firstCandidate(Obj o, int from) {
    return candidateFrom(o, from);
  }

  /** The candidate after {@code i} (candidates run from o.next() to the first required), or -1. */
  private int nextCandidate(Obj o, int i) {
    return o.shape().properties.get(i).required() ? -1 : candidateFrom(o, i + 1);
  }

  private int candidateFrom(Obj o, int i) {
    List<Shape.Property> props = o.shape().properties;
    for (; i < props.size(); i++) {
      Shape.Property p = props.get(i);
      if (p.required() || fits(p.shape(), o.depth() + 1)) {
        return i;
      }
    }
    return -1;
  }

  private boolean fits(Shape shape, int depth) {
    return (long) depth + shape.resolved().minDepth <= limits.maxDepth();
  }

  private void map(Frame.Map m, int b, Stack below, List<Stack> out) {
    if (isWhitespace(b)) {
      if (m.ws() < limits.maxWhitespace()) {
        emit(
            new Stack(new Frame.Map(m.shape(), m.depth(), m.phase(), m.count(), m.ws() + 1), below),
            out);
      }
      return;
    }
    boolean valueFits = fits(m.shape().values, m.depth() + 1);
    switch (m.phase()) {
      case Obj.OPEN, Obj.COMMA -> {
        if (b == '}' && m.phase() == Obj.OPEN) {
          emit(below, out);
        } else if (b == '"' && valueFits) {
          Frame.Map colon = new Frame.Map(m.shape(), m.depth(), Obj.COLON, m.count(), 0);
          Text key = new Text(limits.maxStringBytes(), Utf8.READY, Text.NO_ESCAPE);
          emit(new Stack(key, new Stack(colon, below)), out);
        }
      }
      case Obj.COLON -> {
        if (b == ':') {
          Frame.Map after = new Frame.Map(m.shape(), m.depth(), Obj.AFTER, m.count() + 1, 0);
          Frame.Value value = new Frame.Value(m.shape().values, m.depth() + 1, 0);
          emit(new Stack(value, new Stack(after, below)), out);
        }
      }
      default -> { // AFTER
        if (b == '}') {
          emit(below, out);
        } else if (b == ',' && m.count() < limits.maxItems()) {
          emit(new Stack(new Frame.Map(m.shape(), m.depth(), Obj.COMMA, m.count(), 0), below), out);
        }
      }
    }
  }

  private void array(Frame.Array a, int b, Stack below, List<Stack> out) {
    if (isWhitespace(b)) {
      if (a.ws() < limits.maxWhitespace()) {
        emit(
            new Stack(
                new Frame.Array(a.shape(), a.depth(), a.phase(), a.count(), a.ws() + 1), below),
            out);
      }
      return;
    }
    boolean itemFits = fits(a.shape().items, a.depth() + 1);
    Stack afterItem =
        new Stack(new Frame.Array(a.shape(), a.depth(), Obj.AFTER, a.count() + 1, 0), below);
    switch (a.phase()) {
      case Obj.OPEN -> {
        if (b == ']') {
          emit(below, out);
        } else if (itemFits) {
          start(a.shape().items, a.depth() + 1, b, afterItem, out);
        }
      }
      case Obj.COMMA -> start(a.shape().items, a.depth() + 1, b, afterItem, out);
      default -> { // AFTER
        if (b == ']') {
          emit(below, out);
        } else if (b == ',' && a.count() < limits.maxItems() && itemFits) {
          emit(
              new Stack(new Frame.Array(a.shape(), a.depth(), Obj.COMMA, a.count(), 0), below),
              out);
        }
      }
    }
  }
}
