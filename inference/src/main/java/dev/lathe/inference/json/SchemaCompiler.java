package dev.lathe.inference.json;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema (the subset described in {@link JsonGrammar}) into {@link Shape}s. Refuses
 * every keyword outside the subset by name and JSON Pointer, and every malformed keyword value with
 * what was expected.
 */
final class SchemaCompiler {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Keywords that never change which documents are valid. */
  private static final Set<String> ANNOTATIONS =
      Set.of(
          "title",
          "description",
          "$comment",
          "$schema",
          "$id",
          "examples",
          "default",
          "deprecated",
          "readOnly",
          "writeOnly");

  private static final Set<String> KEYWORDS =
      Set.of(
          "type",
          "properties",
          "required",
          "additionalProperties",
          "enum",
          "const",
          "items",
          "anyOf",
          "$ref",
          "$defs",
          "definitions");

  private static final List<String> TYPES =
      List.of("object", "array", "string", "number", "integer", "boolean", "null");

  private final JsonNode root;
  private final List<Shape> shapes = new ArrayList<>();
  private final Map<String, Shape> byPointer = new HashMap<>();
  private final ArrayDeque<PendingRef> pending = new ArrayDeque<>();
  private Shape any;

  private record PendingRef(RefShape ref, String target) {}

  private SchemaCompiler(JsonNode root) {
    this.root = root;
  }

  /** The shape of {@code schema}, every reference resolved and every depth computed. */
  static Shape compile(JsonNode schema) {
    SchemaCompiler c = new SchemaCompiler(schema);
    Shape shape = c.shape(schema, "");
    c.resolveReferences();
    MinDepth.compute(c.shapes);
    return shape;
  }

  /** Any JSON object, its values any JSON values. */
  static Shape anyObject() {
    SchemaCompiler c = new SchemaCompiler(null);
    Shape shape = c.add(new MapShape("", c.any()));
    MinDepth.compute(c.shapes);
    return shape;
  }

  private Shape shape(JsonNode node, String pointer) {
    Shape known = byPointer.get(pointer);
    if (known != null) {
      return known;
    }
    Shape shape = compileNode(node, pointer);
    byPointer.put(pointer, shape);
    return shape;
  }

  private Shape compileNode(JsonNode node, String pointer) {
    if (node.isBoolean()) { // true: anything; false: nothing
      return node.booleanValue() ? any() : add(new ChoiceShape(pointer, List.of()));
    }
    if (!node.isObject()) {
      throw invalid(pointer, "a schema must be an object (or true/false), not " + kind(node));
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KEYWORDS.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
        throw new UnsupportedSchemaException(keyword, pointer, "");
      }
    }
    definitions(node, pointer, "$defs");
    definitions(node, pointer, "definitions");
    if (node.has("$ref")) {
      onlyWith(node, pointer, "$ref");
      return reference(node.get("$ref"), SchemaPointer.child(pointer, "$ref"));
    }
    if (node.has("anyOf")) {
      onlyWith(node, pointer, "anyOf");
      JsonNode options = node.get("anyOf");
      String at = SchemaPointer.child(pointer, "anyOf");
      if (!options.isArray() || options.isEmpty()) {
        throw invalid(at, "\"anyOf\" must be a non-empty array of schemas");
      }
      List<Shape> shapes = new ArrayList<>();
      for (int i = 0; i < options.size(); i++) {
        shapes.add(shape(options.get(i), SchemaPointer.child(at, i)));
      }
      return add(new ChoiceShape(pointer, shapes));
    }
    Set<String> types = types(node, pointer);
    if (node.has("enum") || node.has("const")) {
      return literals(node, pointer, types);
    }
    if (types.isEmpty()) {
      if (node.has("properties") || node.has("required") || node.has("additionalProperties")) {
        types = Set.of("object");
      } else if (node.has("items")) {
        types = Set.of("array");
      } else {
        return any();
      }
    }
    List<Shape> options = new ArrayList<>();
    for (String type : types) {
      options.add(
          switch (type) {
            case "object" -> object(node, pointer);
            case "array" -> array(node, pointer);
            case "string" -> add(new StringShape(pointer));
            case "number" -> add(new NumberShape(pointer, false));
            case "integer" -> add(new NumberShape(pointer, true));
            case "boolean" -> add(LiteralShape.of(pointer, "true", "false"));
            default -> add(LiteralShape.of(pointer, "null"));
          });
    }
    return options.size() == 1 ? options.get(0) : add(new ChoiceShape(pointer, options));
  }

  private Set<String> types(JsonNode node, String pointer) {
    JsonNode type = node.get("type");
    Set<String> types = new LinkedHashSet<>();
    if (type == null) {
      return types;
    }
    String at = SchemaPointer.child(pointer, "type");
    List<JsonNode> names = new ArrayList<>();
    if (type.isArray()) {
      type.forEach(names::add);
      if (names.isEmpty()) {
        throw invalid(at, "\"type\" is an empty array; name at least one type");
      }
    } else {
      names.add(type);
    }
    for (JsonNode name : names) {
      if (!name.isTextual() || !TYPES.contains(name.asText())) {
        throw invalid(
            at,
            "\"type\" is "
                + name
                + "; expected one of "
                + String.join(", ", TYPES)
                + " (or an array of them)");
      }
      if (!types.add(name.asText())) {
        throw invalid(at, "\"type\" lists " + name + " twice");
      }
    }
    return types;
  }

  private Shape object(JsonNode node, String pointer) {
    JsonNode properties = node.get("properties");
    String at = SchemaPointer.child(pointer, "properties");
    if (properties != null && !properties.isObject()) {
      throw invalid(at, "\"properties\" must be an object mapping names to schemas");
    }
    Set<String> required = required(node, pointer, properties);
    JsonNode additional = node.get("additionalProperties");
    String additionalAt = SchemaPointer.child(pointer, "additionalProperties");
    Shape additionalShape = null;
    if (additional != null) {
      if (!additional.isBoolean() && !additional.isObject()) {
        throw invalid(additionalAt, "\"additionalProperties\" must be true, false or a schema");
      }
      additionalShape = shape(additional, additionalAt); // checked even when unused
    }
    if (properties == null || properties.isEmpty()) {
      boolean closed = additional != null && additional.isBoolean() && !additional.booleanValue();
      return closed
          ? add(new ObjectShape(pointer, List.of()))
          : add(new MapShape(pointer, additional == null ? any() : additionalShape));
    }
    List<Property> list = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Shape shape = shape(e.getValue(), SchemaPointer.child(at, e.getKey()));
      list.add(
          new Property(
              e.getKey(),
              jsonText(JSON.valueToTree(e.getKey())),
              shape,
              required.contains(e.getKey())));
    }
    return add(new ObjectShape(pointer, list));
  }

  private static Set<String> required(JsonNode node, String pointer, JsonNode properties) {
    JsonNode required = node.get("required");
    Set<String> names = new LinkedHashSet<>();
    if (required == null) {
      return names;
    }
    String at = SchemaPointer.child(pointer, "required");
    if (!required.isArray()) {
      throw invalid(at, "\"required\" must be an array of property names");
    }
    for (int i = 0; i < required.size(); i++) {
      JsonNode name = required.get(i);
      String nameAt = SchemaPointer.child(at, i);
      if (!name.isTextual()) {
        throw invalid(nameAt, "a required property name must be a string, not " + kind(name));
      }
      if (properties == null || !properties.has(name.asText())) {
        throw new JsonConstraintException(
            "\"required\" names \""
                + name.asText()
                + "\" at "
                + nameAt
                + ", which \"properties\" does not declare; declare it under \"properties\"");
      }
      names.add(name.asText());
    }
    return names;
  }

  private Shape array(JsonNode node, String pointer) {
    JsonNode items = node.get("items");
    if (items == null) {
      return add(new ArrayShape(pointer, any()));
    }
    String at = SchemaPointer.child(pointer, "items");
    if (items.isArray()) {
      throw new UnsupportedSchemaException(
          "items", at, "an array of schemas (a tuple) is not supported; give one schema for all");
    }
    return add(new ArrayShape(pointer, shape(items, at)));
  }

  private Shape literals(JsonNode node, String pointer, Set<String> types) {
    List<JsonNode> values = new ArrayList<>();
    JsonNode constant = node.get("const");
    JsonNode choices = node.get("enum");
    if (choices != null) {
      String at = SchemaPointer.child(pointer, "enum");
      if (!choices.isArray() || choices.isEmpty()) {
        throw invalid(at, "\"enum\" must be a non-empty array of values");
      }
      for (JsonNode v : choices) {
        if (constant == null || constant.equals(v)) {
          values.add(v);
        }
      }
    } else {
      values.add(constant);
    }
    List<byte[]> texts = new ArrayList<>();
    for (JsonNode v : values) {
      if (types.isEmpty() || types.stream().anyMatch(t -> hasType(v, t))) {
        byte[] text = jsonText(v);
        if (texts.stream().noneMatch(t -> java.util.Arrays.equals(t, text))) {
          texts.add(text);
        }
      }
    }
    if (texts.isEmpty()) {
      throw new JsonConstraintException(
          "the schema at "
              + SchemaPointer.display(pointer)
              + " admits no value: no \"enum\"/\"const\" value has the \"type\" it requires");
    }
    return add(new LiteralShape(pointer, texts));
  }

  private static boolean hasType(JsonNode v, String type) {
    return switch (type) {
      case "object" -> v.isObject();
      case "array" -> v.isArray();
      case "string" -> v.isTextual();
      case "number" -> v.isNumber();
      case "integer" ->
          v.isIntegralNumber()
              || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0);
      case "boolean" -> v.isBoolean();
      default -> v.isNull();
    };
  }

  private void definitions(JsonNode node, String pointer, String keyword) {
    JsonNode defs = node.get(keyword);
    if (defs == null) {
      return;
    }
    String at = SchemaPointer.child(pointer, keyword);
    if (!defs.isObject()) {
      throw invalid(at, "\"" + keyword + "\" must be an object mapping names to schemas");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      shape(e.getValue(), SchemaPointer.child(at, e.getKey())); // refused keywords surface here
    }
  }

  private Shape reference(JsonNode ref, String at) {
    if (!ref.isTextual()) {
      throw invalid(at, "\"$ref\" must be a string such as \"#/$defs/Name\"");
    }
    String text = ref.asText();
    if (!text.startsWith("#")) {
      throw new UnsupportedSchemaException(
          "$ref",
          at.substring(0, at.length() - "/$ref".length()),
          "\"" + text + "\" is not local; only references into this schema (\"#/$defs/Name\")");
    }
    String target = text.substring(1);
    JsonNode node;
    try {
      node = root.at(JsonPointer.compile(target));
    } catch (IllegalArgumentException e) {
      throw invalid(at, "\"$ref\" \"" + text + "\" is not a JSON Pointer: " + e.getMessage());
    }
    if (node.isMissingNode()) {
      throw invalid(at, "\"$ref\" \"" + text + "\" points to nothing in this schema");
    }
    RefShape shape = add(new RefShape(at));
    pending.add(new PendingRef(shape, target));
    return shape;
  }

  private void resolveReferences() {
    while (!pending.isEmpty()) {
      PendingRef p = pending.poll();
      p.ref().resolve(shape(root.at(JsonPointer.compile(p.target())), p.target()));
    }
    for (Shape s : shapes) {
      if (s instanceof RefShape r) {
        r.resolved(); // refuses a cycle of references only
      }
    }
  }

  /** Keywords that may stand beside {@code keyword}: annotations and definitions. */
  private static void onlyWith(JsonNode node, String pointer, String keyword) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String other = it.next();
      if (!other.equals(keyword)
          && !ANNOTATIONS.contains(other)
          && !other.equals("$defs")
          && !other.equals("definitions")) {
        throw new UnsupportedSchemaException(
            other,
            pointer,
            "it may not stand beside \""
                + keyword
                + "\"; move it into the "
                + (keyword.equals("anyOf") ? "alternatives" : "referenced schema"));
      }
    }
  }

  private Shape any() {
    if (any == null) {
      RefShape self = add(new RefShape("(any value)"));
      any =
          add(
              new ChoiceShape(
                  "(any value)",
                  List.of(
                      add(new MapShape("(any value)", self)),
                      add(new ArrayShape("(any value)", self)),
                      add(new StringShape("(any value)")),
                      add(new NumberShape("(any value)", false)),
                      add(LiteralShape.of("(any value)", "true", "false", "null")))));
      self.resolve(any);
    }
    return any;
  }

  private <S extends Shape> S add(S shape) {
    shapes.add(shape);
    return shape;
  }

  private static byte[] jsonText(JsonNode value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value, e);
    }
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + node;
  }

  private static JsonConstraintException invalid(String pointer, String message) {
    return new JsonConstraintException(
        "invalid JSON Schema at " + SchemaPointer.display(pointer) + ": " + message);
  }
}
