package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Comparator;

/**
 * Lathe's {@code tool_call} criterion (an extension): score 1 and passed when one of the sample's
 * tool calls names the expected function and, if {@code arguments} is given, has arguments equal to
 * the expected ones as JSON values (object key order and number spelling ignored: {@code 1} equals
 * {@code 1.0}); else 0. Fields: {@code type}, {@code name}, {@code function} (a template rendering
 * to the expected function name, such as {@code "{{item.expected_tool}}"}), {@code arguments}
 * (optional: a template whose value is the expected arguments, either a JSON object of the item
 * such as {@code "{{item.expected_arguments}}"} or text that parses as JSON, or a literal JSON
 * object, used as written). A model's arguments that are not valid JSON match nothing; expected
 * arguments that are not JSON are a grading error.
 */
record ToolCallGrader(
    String name,
    Template function,
    JsonNode argumentsLiteral,
    Template argumentsTemplate,
    JsonNode toJson)
    implements Grader {
  static final String TYPE = "tool_call";

  /** Numbers compare by value; everything else by Jackson's equality (key order ignored). */
  private static final Comparator<JsonNode> BY_VALUE =
      (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
          return new BigDecimal(a.asText()).compareTo(new BigDecimal(b.asText()));
        }
        return a.equals(b) ? 0 : 1;
      };

  @Override
  public String type() {
    return TYPE;
  }

  static ToolCallGrader parse(CriterionFields f, String name, JsonNode json) {
    Template function =
        Template.parse(
            f.requiredText("function", "the expected function name, such as \"{{item.tool}}\""),
            f.pathOf("function"));
    JsonNode args = f.optional("arguments");
    JsonNode literal = null;
    Template template = null;
    if (args != null) {
      if (args.isObject()) {
        literal = args;
      } else if (args.isTextual()) {
        template = Template.parse(args.asText(), f.pathOf("arguments"));
        if (!template.hasReferences() && JsonText.parse(args.asText()).value() == null) {
          throw new GraderSpecException(
              f.pathOf("arguments"),
              "is neither a template nor JSON text: "
                  + JsonText.parse(args.asText()).problem()
                  + "; give a JSON object, JSON text, or a template such as"
                  + " \"{{item.expected_arguments}}\"");
        }
      } else {
        throw new GraderSpecException(
            f.pathOf("arguments"),
            "must be a JSON object or a template string, not " + CriterionFields.kind(args));
      }
    }
    f.refuseOthers();
    return new ToolCallGrader(name, function, literal, template, json);
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    return GradingError.catching(
        this,
        () -> {
          if (in.sample() == null) {
            throw new GradingError(
                "this row has no sample to take tool calls from; use a data source that samples a"
                    + " model with tools");
          }
          String expectedName = function.render(in);
          JsonNode expectedArgs = expectedArguments(in);
          boolean matched =
              in.sample().toolCalls().stream()
                  .anyMatch(c -> expectedName.equals(c.name()) && argumentsMatch(c, expectedArgs));
          return GraderResult.graded(this, matched ? 1 : 0, matched);
        });
  }

  private JsonNode expectedArguments(GradingInput in) {
    if (argumentsLiteral != null || argumentsTemplate == null) {
      return argumentsLiteral;
    }
    JsonNode v = argumentsTemplate.renderValue(in);
    if (!v.isTextual()) {
      return v;
    }
    JsonText.Parsed parsed = JsonText.parse(v.asText());
    if (parsed.value() == null) {
      throw new GradingError(
          "the expected arguments \""
              + v.asText()
              + "\" (from "
              + argumentsTemplate.source()
              + ") are not JSON: "
              + parsed.problem());
    }
    return parsed.value();
  }

  private static boolean argumentsMatch(ToolCall call, JsonNode expected) {
    if (expected == null) {
      return true;
    }
    JsonNode actual = call.arguments() == null ? null : JsonText.parse(call.arguments()).value();
    return actual != null && actual.equals(BY_VALUE, expected);
  }
}
