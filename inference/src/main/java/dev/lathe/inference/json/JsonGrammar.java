package dev.lathe.inference.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * The documents a structured-output request admits: a compiled JSON Schema (or "any JSON object")
 * plus the {@link JsonLimits} that keep them finite. Independent of any model; bind it to a
 * tokenizer with {@link JsonConstraint#of}.
 *
 * <h2>The schema subset</h2>
 *
 * What OpenAI's strict mode accepts, and a little more:
 *
 * <ul>
 *   <li>{@code type}: object, array, string, number, integer, boolean, null, or an array of them
 *       (e.g. {@code ["string","null"]}). Without {@code type}, {@code properties}/{@code
 *       required}/{@code additionalProperties} mean an object, {@code items} an array, and nothing
 *       means any JSON value.
 *   <li>{@code properties}, {@code required} (each name must be declared), {@code
 *       additionalProperties}: see "objects" below.
 *   <li>{@code items} (one schema; absent: items of any value), {@code enum}, {@code const}
 *       (filtered by {@code type} when both are given), {@code anyOf}, and {@code $ref} to any
 *       location in the same schema ({@code #}, {@code #/$defs/Name}, {@code #/definitions/Name}),
 *       recursion included. {@code anyOf} and {@code $ref} stand alone (beside annotations and
 *       definitions only). Boolean schemas {@code true}/{@code false} are understood.
 *   <li>Ignored, as they never change validity: {@code title}, {@code description}, {@code
 *       $comment}, {@code $schema}, {@code $id}, {@code examples}, {@code default}, {@code
 *       deprecated}, {@code readOnly}, {@code writeOnly}.
 *   <li>Every other keyword ({@code pattern}, {@code format}, {@code minLength}, {@code oneOf},
 *       {@code allOf}, {@code not}, {@code if}, {@code patternProperties}, {@code minItems}, …) is
 *       refused with {@link UnsupportedSchemaException}, naming it and its JSON Pointer; a
 *       malformed value (e.g. {@code "type": "strin"}) with {@link JsonConstraintException}.
 * </ul>
 *
 * <h2>What is generated</h2>
 *
 * <ul>
 *   <li>Objects with declared properties are written in the schema's order (as OpenAI does): every
 *       required property, and optional ones optionally, nothing else — so {@code
 *       additionalProperties} true/absent/a schema still gives valid output; strict schemas (every
 *       property required, {@code additionalProperties: false}) come out in exactly that order.
 *       Objects without declared properties (and {@code json_object} mode) take any string keys
 *       (duplicates are not prevented) and values of {@code additionalProperties} (any value when
 *       absent or true; only {@code {}} when false).
 *   <li>Keys and {@code enum}/{@code const} values are written as Jackson writes them (compact, one
 *       escaping); free strings may use any valid escape but no lone {@code \\u} surrogate, and
 *       hold valid UTF-8. Integers are written without fraction or exponent.
 *   <li>Whitespace: up to {@link JsonLimits#maxWhitespace()} bytes per gap between tokens, none
 *       after the document ends. Strings, arrays, numbers and nesting are bounded by the other
 *       limits, so a document is always finite; a {@code maxDepth} too small for the schema's
 *       required nesting is refused when the grammar is built.
 * </ul>
 */
public final class JsonGrammar {
  private final Shape root;
  private final JsonLimits limits;

  private JsonGrammar(Shape root, JsonLimits limits) {
    this.root = root;
    this.limits = limits;
    int depth = root.resolved() == null ? Shape.UNBOUNDED : root.resolved().minDepth;
    if (depth >= Shape.UNBOUNDED) {
      throw new JsonConstraintException(
          "the schema admits no finite document (e.g. a required property refers back to its own"
              + " object, or an empty anyOf); make the recursion optional");
    }
    if (depth > limits.maxDepth()) {
      throw new JsonConstraintException(
          "the schema's required properties nest "
              + depth
              + " objects/arrays deep, more than the limit of "
              + limits.maxDepth());
    }
    MinBytes.compute(root, limits.maxDepth());
  }

  /** {@code response_format: {"type":"json_object"}}: any JSON object. */
  public static JsonGrammar anyObject(JsonLimits limits) {
    return new JsonGrammar(SchemaCompiler.anyObject(), limits);
  }

  /** Documents valid against {@code schema} (the subset above). */
  public static JsonGrammar fromSchema(JsonNode schema, JsonLimits limits) {
    if (schema == null) {
      throw new JsonConstraintException("the JSON Schema is missing");
    }
    return new JsonGrammar(SchemaCompiler.compile(schema), limits);
  }

  /**
   * The grammar of an OpenAI Chat Completions {@code response_format}: {@code {"type":"text"}}
   * gives empty (no constraint), {@code {"type":"json_object"}} any object, {@code
   * {"type":"json_schema","json_schema":{"name":…,"schema":{…},"strict":…}}} its schema (strict or
   * not, the schema is enforced). Malformed formats are refused with {@link
   * JsonConstraintException} naming the field.
   */
  public static Optional<JsonGrammar> fromResponseFormat(JsonNode format, JsonLimits limits) {
    if (format == null || format.isNull() || format.isMissingNode()) {
      return Optional.empty();
    }
    String type = format.path("type").asText("");
    return switch (type) {
      case "text" -> Optional.empty();
      case "json_object" -> Optional.of(anyObject(limits));
      case "json_schema" -> {
        JsonNode spec = format.path("json_schema");
        if (!spec.isObject()) {
          throw new JsonConstraintException(
              "response_format.json_schema must be an object with \"name\" and \"schema\"");
        }
        JsonNode schema = spec.get("schema");
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
          throw new JsonConstraintException(
              "response_format.json_schema.schema must be a JSON Schema object");
        }
        yield Optional.of(fromSchema(schema, limits));
      }
      default ->
          throw new JsonConstraintException(
              "response_format.type is \""
                  + type
                  + "\"; expected \"text\", \"json_object\" or \"json_schema\"");
    };
  }

  Shape root() {
    return root;
  }

  public JsonLimits limits() {
    return limits;
  }

  /** The length in bytes of the shortest document (no optional whitespace). */
  public int minBytes() {
    return root.minBytes[limits.maxDepth()];
  }
}
