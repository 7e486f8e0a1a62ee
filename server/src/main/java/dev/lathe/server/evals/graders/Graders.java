package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads testing criteria. Scaffold of the agreed interface (string_check and json_schema only)
 * until the graders package lands with every grader.
 */
public final class Graders {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REF =
      Pattern.compile("\\{\\{\\s*(item|sample)((?:\\.[A-Za-z0-9_]+)+)\\s*\\}\\}");

  private Graders() {}

  public static Grader parse(JsonNode c, String path) {
    if (c == null || !c.isObject()) {
      throw new GraderSpecException(path, "Invalid '" + path + "': expected a grader object.");
    }
    String name = text(c, "name", path);
    return switch (c.path("type").asText("")) {
      case "string_check" -> {
        String op = text(c, "operation", path);
        if (!op.matches("eq|ne|like|ilike")) {
          throw new GraderSpecException(
              path + ".operation",
              "Invalid '" + path + ".operation': expected eq, ne, like or ilike.");
        }
        yield new StringCheck(name, text(c, "input", path), text(c, "reference", path), op);
      }
      case "json_schema" -> {
        JsonNode schema = c.get("schema");
        if (schema == null || !schema.isObject()) {
          throw new GraderSpecException(
              path + ".schema", "Missing required parameter: '" + path + ".schema'.");
        }
        yield new JsonSchema(name, c.path("input").asText("{{sample.output_text}}"), schema);
      }
      default ->
          throw new GraderSpecException(
              path + ".type", "Invalid '" + path + ".type': unknown grader type.");
    };
  }

  private static String text(JsonNode c, String field, String path) {
    if (!c.path(field).isTextual()) {
      throw new GraderSpecException(
          path + "." + field, "Missing required parameter: '" + path + "." + field + "'.");
    }
    return c.get(field).asText();
  }

  static String render(String template, GradingInput in) {
    Matcher m = REF.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value;
      if (m.group(1).equals("sample") && m.group(2).equals(".output_text")) {
        value = in.sample().outputText();
      } else {
        JsonNode at = m.group(1).equals("item") ? in.item() : in.sample().raw();
        for (String f : m.group(2).substring(1).split("\\.")) {
          at = at == null ? null : at.get(f);
        }
        value = at == null ? "" : at.isTextual() ? at.asText() : at.toString();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** OpenAI's string_check. */
  public record StringCheck(String name, String input, String reference, String operation)
      implements Grader {
    public String type() {
      return "string_check";
    }

    public JsonNode toJson() {
      ObjectNode o = JSON.createObjectNode();
      o.put("type", type()).put("name", name).put("input", input).put("reference", reference);
      return o.put("operation", operation);
    }

    public GraderResult grade(GradingInput in, Judge judge) {
      String a = render(input, in);
      String b = render(reference, in);
      boolean ok =
          switch (operation) {
            case "eq" -> a.equals(b);
            case "ne" -> !a.equals(b);
            case "like" -> a.contains(b);
            default -> a.toLowerCase().contains(b.toLowerCase());
          };
      return new GraderResult(name, type(), ok ? 1 : 0, ok, null, null, null);
    }
  }

  /** The output parses as JSON and matches a schema. */
  public record JsonSchema(String name, String input, JsonNode schema) implements Grader {
    public String type() {
      return "json_schema";
    }

    public JsonNode toJson() {
      ObjectNode o = JSON.createObjectNode();
      o.put("type", type()).put("name", name).put("input", input);
      o.set("schema", schema);
      return o;
    }

    public GraderResult grade(GradingInput in, Judge judge) {
      boolean ok;
      try {
        ok =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(schema)
                .validate(JSON.readTree(render(input, in)))
                .isEmpty();
      } catch (Exception e) {
        ok = false;
      }
      return new GraderResult(name, type(), ok ? 1 : 0, ok, null, null, null);
    }
  }
}
