package dev.lathe.inference.json;

import dev.lathe.inference.json.Shape.ArrayShape;
import dev.lathe.inference.json.Shape.LiteralShape;
import dev.lathe.inference.json.Shape.MapShape;
import dev.lathe.inference.json.Shape.ObjectShape;

/**
 * One level of the {@link JsonMatcher}'s stack: what the innermost open construct expects next.
 * Frames are immutable records, so stacks share their lower levels and equal states compare equal
 * (the mask cache keys on them). {@code depth} is the number of enclosing objects and arrays;
 * {@code ws} the whitespace bytes spent in the current gap.
 */
sealed interface Frame {

  /** Before a value of {@code shape} (whitespace may come first). */
  record Value(Shape shape, int depth, int ws) implements Frame {}

  /**
   * Inside a free-form string: {@code remaining} body bytes allowed (reserved ahead for a character
   * or escape under way), the {@link Utf8} state, and the escape under way ({@link #NO_ESCAPE},
   * {@link #AFTER_BACKSLASH}, or {@code HEX_n}: n hex digits of a {@code \\u} escape still due).
   */
  record Text(int remaining, int utf8, int escape) implements Frame {
    static final int NO_ESCAPE = 0;
    static final int AFTER_BACKSLASH = 1;
    static final int HEX_4 = 2;
    static final int HEX_3 = 3;
    static final int HEX_2 = 4;
    static final int HEX_1 = 5;

    /** Three hex digits due after {@code \\uD}: the next is 0..7 (no lone surrogates). */
    static final int HEX_3_LOW = 6;

    /** Whether plain text bytes may come next: no character or escape under way. */
    boolean ready() {
      return utf8 == Utf8.READY && escape == NO_ESCAPE;
    }
  }

  /**
   * Part way through one of a literal shape's values: {@code pos} bytes matched, {@code anchor} the
   * first value that still matches (every value sharing its first {@code pos} bytes does too).
   */
  record Literal(LiteralShape shape, int pos, int anchor) implements Frame {}

  /** A number: its {@code phase} and the digits of the current part. */
  record Number(boolean integer, int phase, int digits) implements Frame {
    static final int MINUS = 0;
    static final int ZERO = 1;
    static final int INT = 2;
    static final int DOT = 3;
    static final int FRAC = 4;
    static final int EXP = 5;
    static final int EXP_SIGN = 6;
    static final int EXP_DIGITS = 7;

    /** Exponent digits at most: 1e99 still fits a double. */
    static final int MAX_EXPONENT_DIGITS = 2;

    boolean complete() {
      return phase == ZERO || phase == INT || phase == FRAC || phase == EXP_DIGITS;
    }
  }

  /**
   * Inside an object of declared properties. {@code next}: the first property not yet written or
   * skipped. In {@link #KEY}, {@code keyPos} bytes of a key are matched and {@code prop} is the
   * first candidate still matching; in {@link #COLON}, {@code prop} is the key written.
   */
  record Obj(ObjectShape shape, int depth, int phase, int next, int ws, int keyPos, int prop)
      implements Frame {
    static final int OPEN = 0;
    static final int KEY = 1;
    static final int COLON = 2;
    static final int AFTER = 3;
    static final int COMMA = 4;
  }

  /** Inside a free-form object ({@link Obj}'s phases but KEY: keys are {@link Text} frames). */
  record Map(MapShape shape, int depth, int phase, int count, int ws) implements Frame {}

  /** Inside an array: {@link Obj#OPEN}, {@link Obj#AFTER} an item, or {@link Obj#COMMA}. */
  record Array(ArrayShape shape, int depth, int phase, int count, int ws) implements Frame {}

  /** A stack of frames, innermost first; {@link #EMPTY} once the document is closed. */
  record Stack(Frame top, Stack below) {
    static final Stack EMPTY = new Stack(null, null);
  }
}
