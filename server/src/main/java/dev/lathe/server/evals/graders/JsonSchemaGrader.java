package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;

/**
 * Lathe's {@code json_schema} criterion (an extension): score 1 and passed when the rendered {@code
 * input} is one JSON value ({@link JsonText}) that the JSON Schema {@code schema} (draft 2020-12,
 * validated by networknt's json-schema-validator) accepts, else 0. Fields: {@code type}, {@code
 * name}, {@code schema} (an object or a boolean), {@code input} (a template; {@code
 * "{{sample.output_text}}"} when omitted). The schema is checked against the draft 2020-12
 * meta-schema when the criterion is parsed; {@code $ref}s to other documents are refused, so
 * grading never fetches anything.
 */
record JsonSchemaGrader(String name, Template input, Schema schema, JsonNode toJson)
    implements Grader {
  static final String TYPE = "json_schema";

  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  @Override
  public String type() {
    return TYPE;
  }

  static JsonSchemaGrader parse(CriterionFields f, String name, JsonNode json) {
    Template input = JsonValidGrader.input(f);
    JsonNode node = f.required("schema", "a JSON Schema (draft 2020-12) object");
    String at = f.pathOf("schema");
    if (!node.isObject() && !node.isBoolean()) {
      throw new GraderSpecException(
          at, "must be a JSON Schema object (or true/false), not " + CriterionFields.kind(node));
    }
    refuseRemoteRefs(node, at);
    Schema meta =
        REGISTRY.getSchema(
            com.networknt.schema.SchemaLocation.of(
                SpecificationVersion.DRAFT_2020_12.getDialectId()));
    List<com.networknt.schema.Error> problems = meta.validate(node);
    if (!problems.isEmpty()) {
      com.networknt.schema.Error p = problems.getFirst();
      throw new GraderSpecException(
          at + pointerSuffix(p.getInstanceLocation().toString()),
          "is not a valid JSON Schema: " + p.getMessage() + "; fix the schema");
    }
    Schema schema;
    try {
      schema = REGISTRY.getSchema(node);
    } catch (RuntimeException e) {
      throw new GraderSpecException(at, "is not a usable JSON Schema: " + e.getMessage());
    }
    f.refuseOthers();
    return new JsonSchemaGrader(name, input, schema, json);
  }

  /**
   * The validator's instance location ("$.a.b" or the JSON pointer "/a/b") as ".a.b", to follow the
   * schema's own path.
   */
  private static String pointerSuffix(String location) {
    if (location.startsWith("$")) {
      return location.substring(1);
    }
    if (location.startsWith("/")) {
      StringBuilder out = new StringBuilder();
      for (String seg : location.substring(1).split("/", -1)) {
        out.append('.').append(seg.replace("~1", "/").replace("~0", "~"));
      }
      return out.toString();
    }
    return "";
  }

  private static void refuseRemoteRefs(JsonNode node, String at) {
    if (node.isObject()) {
      for (var it = node.properties().iterator(); it.hasNext(); ) {
        var e = it.next();
        if ((e.getKey().equals("$ref") || e.getKey().equals("$dynamicRef"))
            && e.getValue().isTextual()
            && !e.getValue().asText().startsWith("#")) {
          throw new GraderSpecException(
              at + "." + e.getKey(),
              "refers to \""
                  + e.getValue().asText()
                  + "\", another document; Lathe fetches nothing while grading, so inline the"
                  + " referenced schema under $defs and refer to it as \"#/$defs/...\"");
        }
        refuseRemoteRefs(e.getValue(), at + "." + e.getKey());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        refuseRemoteRefs(node.get(i), at + "[" + i + "]");
      }
    }
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    return GradingError.catching(
        this,
        () -> {
          JsonNode value = JsonText.parse(input.render(in)).value();
          boolean valid = value != null && schema.validate(value).isEmpty();
          return GraderResult.graded(this, valid ? 1 : 0, valid);
        });
  }
}
