package dev.lathe.inference.json;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What one JSON value may be, compiled from a schema node. Shapes compare by identity: a recursive
 * schema ({@code $ref} to an enclosing definition) makes a cyclic graph of them.
 *
 * <p>{@link #minDepth} is the least number of nested objects/arrays a value of the shape needs (0
 * for scalars, {@link #UNBOUNDED} when no finite value exists); it is filled in once after
 * compilation and lets the matcher refuse to open a value that could not close within {@link
 * JsonLimits#maxDepth()}.
 *
 * <p>{@link #minBytes} is the length of the shortest value of the shape, by the levels of nesting
 * still available ({@code minBytes[a]}: within {@code a} more objects/arrays); {@link MinBytes}
 * fills it in when a {@link JsonGrammar} binds the shape to its limits.
 */
abstract sealed class Shape {
  static final int UNBOUNDED = Integer.MAX_VALUE / 2;

  /** Where the shape was declared, for messages. */
  final String pointer;

  int minDepth = UNBOUNDED;

  int[] minBytes;

  Shape(String pointer) {
    this.pointer = pointer;
  }

  /** The shape itself, or what a reference points to. */
  Shape resolved() {
    return this;
  }

  /** An object with declared properties, written in declaration order. */
  static final class ObjectShape extends Shape {
    final List<Property> properties;

    /** {@code requiredFrom[i]}: whether some property at index i or later is required. */
    final boolean[] requiredFrom;

    ObjectShape(String pointer, List<Property> properties) {
      super(pointer);
      this.properties = List.copyOf(properties);
      this.requiredFrom = new boolean[this.properties.size() + 1];
      for (int i = this.properties.size() - 1; i >= 0; i--) {
        requiredFrom[i] = requiredFrom[i + 1] || this.properties.get(i).required();
      }
    }
  }

  /**
   * A declared property.
   *
   * @param key the name as a JSON string, quotes included, in UTF-8
   */
  record Property(String name, byte[] key, Shape shape, boolean required) {}

  /** An object with free-form keys, every value of one shape. */
  static final class MapShape extends Shape {
    final Shape values;

    MapShape(String pointer, Shape values) {
      super(pointer);
      this.values = values;
    }
  }

  static final class ArrayShape extends Shape {
    final Shape items;

    ArrayShape(String pointer, Shape items) {
      super(pointer);
      this.items = items;
    }
  }

  /** Any string. */
  static final class StringShape extends Shape {
    StringShape(String pointer) {
      super(pointer);
    }
  }

  /** Any number, or any integer (written without fraction or exponent). */
  static final class NumberShape extends Shape {
    final boolean integer;

    NumberShape(String pointer, boolean integer) {
      super(pointer);
      this.integer = integer;
    }
  }

  /** One of a fixed list of values ({@code enum}, {@code const}, booleans, null), as JSON text. */
  static final class LiteralShape extends Shape {
    final List<byte[]> values;

    LiteralShape(String pointer, List<byte[]> values) {
      super(pointer);
      this.values = List.copyOf(values);
    }

    static LiteralShape of(String pointer, String... jsonTexts) {
      return new LiteralShape(
          pointer,
          java.util.Arrays.stream(jsonTexts).map(t -> t.getBytes(StandardCharsets.UTF_8)).toList());
    }
  }

  /** Any one of several shapes ({@code anyOf}, a list of types). */
  static final class ChoiceShape extends Shape {
    final List<Shape> options;

    ChoiceShape(String pointer, List<Shape> options) {
      super(pointer);
      this.options = List.copyOf(options);
    }
  }

  /** A {@code $ref}, resolved once every definition is compiled. */
  static final class RefShape extends Shape {
    private Shape target;

    RefShape(String pointer) {
      super(pointer);
    }

    void resolve(Shape value) {
      target = value;
    }

    @Override
    Shape resolved() {
      Shape s = target;
      // a chain of references (a definition that is itself a $ref) ends at a real shape
      for (int hops = 0; s instanceof RefShape r; hops++) {
        if (hops > 64) {
          throw new JsonConstraintException(
              "$ref at " + SchemaPointer.display(pointer) + " refers only to itself");
        }
        s = r.target;
      }
      return s;
    }
  }
}
