package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.lathe.server.evals.graders.Grader;
import dev.lathe.server.evals.graders.GraderSpecException;
import dev.lathe.server.evals.graders.Graders;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An eval's definition read from {@code POST /v1/evals}: its {@code data_source_config} ({@code
 * custom} with an {@code item_schema}, or {@code stored_completions} with a metadata filter) in the
 * shape the API shows it, and its {@code testing_criteria} as graders. Every mistake is a 400
 * naming the field's path.
 *
 * @param dataSourceConfig as shown: {@code {type, schema, ...}}
 * @param graders the testing criteria, in order, with distinct names
 */
public record EvalDefinition(JsonNode dataSourceConfig, List<Grader> graders) {

  static final Set<String> FIELDS =
      Set.of("name", "metadata", "data_source_config", "testing_criteria");

  /** The sample every run produces, as the item schema shows it under {@code sample}. */
  private static final String SAMPLE_SCHEMA =
      "{\"type\":\"object\",\"properties\":{\"model\":{\"type\":\"string\"},"
          + "\"choices\":{\"type\":\"array\"},\"output_text\":{\"type\":\"string\"},"
          + "\"output_json\":{\"type\":\"object\"},\"output_tools\":{\"type\":\"array\"}},"
          + "\"required\":[\"model\",\"choices\"]}";

  /**
   * Reads a create body's config and criteria (the caller reads name and metadata); a model
   * grader's {@code model} must be one {@code served} says the caller has.
   */
  static EvalDefinition read(JsonNode body, Predicate<String> served, ObjectMapper json) {
    JsonBody.refuseUnknown(body, FIELDS);
    JsonNode config = body.get("data_source_config");
    if (config == null || config.isNull()) {
      throw ApiException.invalid(
          "Missing required parameter: 'data_source_config'.", "data_source_config");
    }
    return new EvalDefinition(
        config(config, json), criteria(body.get("testing_criteria"), served, json));
  }

  /** The graders of stored criteria (as {@link Grader#toJson()} wrote them). */
  static List<Grader> graders(JsonNode stored) {
    List<Grader> out = new ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      out.add(Graders.parse(stored.get(i), "testing_criteria[" + i + "]"));
    }
    return out;
  }

  /** The criteria as the API shows them. */
  ArrayNode criteriaJson(ObjectMapper json) {
    ArrayNode a = json.createArrayNode();
    graders.forEach(g -> a.add(g.toJson()));
    return a;
  }

  /**
   * The item schema of a {@code custom} config, or null ({@code stored_completions} items are made
   * by Lathe).
   */
  static JsonNode itemSchema(JsonNode dataSourceConfig) {
    return dataSourceConfig.path("type").asText().equals("custom")
        ? dataSourceConfig.path("schema").path("properties").get("item")
        : null;
  }

  /** A validator of items against {@code itemSchema}. */
  static Schema validator(JsonNode itemSchema) {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(itemSchema);
  }

  private static JsonNode config(JsonNode config, ObjectMapper json) {
    String at = "data_source_config";
    if (!config.isObject()) {
      throw ApiException.invalid("Invalid type for '" + at + "': expected an object.", at);
    }
    String type = config.path("type").asText("");
    ObjectNode out = json.createObjectNode();
    switch (type) {
      case "custom" -> {
        refuse(config, Set.of("type", "item_schema", "include_sample_schema"), at);
        JsonNode schema = config.get("item_schema");
        if (schema == null || !schema.isObject()) {
          throw ApiException.invalid(
              "Missing required parameter: '"
                  + at
                  + ".item_schema': a JSON Schema object describing each data item.",
              at + ".item_schema");
        }
        try {
          validator(schema);
        } catch (RuntimeException e) {
          throw ApiException.invalid(
              "Invalid '" + at + ".item_schema': " + e.getMessage(), at + ".item_schema");
        }
        boolean withSample =
            JsonBody.bool(config, "include_sample_schema", false, at + ".include_sample_schema");
        out.put("type", "custom");
        ObjectNode whole = out.putObject("schema");
        whole.put("type", "object");
        ObjectNode properties = whole.putObject("properties");
        properties.set("item", schema);
        ArrayNode required = whole.putArray("required").add("item");
        if (withSample) {
          try {
            properties.set("sample", json.readTree(SAMPLE_SCHEMA));
          } catch (java.io.IOException impossible) {
            throw new IllegalStateException(impossible);
          }
          required.add("sample");
        }
      }
      case "stored_completions" -> {
        refuse(config, Set.of("type", "metadata"), at);
        Map<String, String> filter = Metadata.read(config, "metadata").orElse(Map.of());
        out.put("type", "stored_completions");
        out.set("metadata", json.valueToTree(filter));
        ObjectNode schema = out.putObject("schema");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("item").put("type", "object");
        properties.putObject("sample").put("type", "object");
        schema.putArray("required").add("item").add("sample");
      }
      case "logs" ->
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".type': 'logs' is not supported by Lathe; use 'custom' (with an item_schema)"
                  + " or 'stored_completions'.",
              at + ".type");
      default ->
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".type': expected 'custom' or 'stored_completions', got "
                  + (type.isEmpty() ? "none" : "'" + type + "'")
                  + ".",
              at + ".type");
    }
    return out;
  }

  private static List<Grader> criteria(
      JsonNode criteria, Predicate<String> served, ObjectMapper json) {
    String at = "testing_criteria";
    if (criteria == null || criteria.isNull()) {
      throw ApiException.invalid("Missing required parameter: '" + at + "'.", at);
    }
    if (!criteria.isArray() || criteria.isEmpty()) {
      throw ApiException.invalid(
          "Invalid '" + at + "': expected a non-empty array of graders.", at);
    }
    List<Grader> graders = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < criteria.size(); i++) {
      String path = at + "[" + i + "]";
      Grader g;
      try {
        g = Graders.parse(criteria.get(i), path);
      } catch (GraderSpecException e) {
        throw ApiException.invalid(e.getMessage(), e.field());
      }
      JsonNode judge = g.toJson().get("model");
      if (judge != null && judge.isTextual() && !served.test(judge.asText())) {
        throw ApiException.modelNotFound(judge.asText(), path + ".model");
      }
      if (!names.add(g.name())) {
        throw ApiException.invalid(
            "Invalid '"
                + path
                + ".name': another criterion is already named '"
                + g.name()
                + "'; give each criterion its own name (results are reported by name).",
            path + ".name");
      }
      graders.add(g);
    }
    return graders;
  }

  /** A 400 for the first field of {@code node} not in {@code known}, naming its path. */
  static void refuse(JsonNode node, Set<String> known, String at) {
    node.fieldNames()
        .forEachRemaining(
            name -> {
              if (!known.contains(name)) {
                throw ApiException.invalid(
                    "Unrecognized argument '"
                        + at
                        + "."
                        + name
                        + "': Lathe supports "
                        + String.join(", ", known.stream().sorted().toList())
                        + " here.",
                    at + "." + name);
              }
            });
  }
}
