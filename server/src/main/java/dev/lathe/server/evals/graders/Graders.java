package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * Parses an eval's {@code testing_criteria} entries into {@link Grader}s.
 *
 * <p>OpenAI's types: {@code string_check}, {@code text_similarity}, {@code score_model}, {@code
 * label_model}. Lathe's extensions: {@code json_valid}, {@code json_schema}, {@code tool_call}.
 * OpenAI's {@code python}, {@code multi} and {@code endpoint} graders are refused by name. Every
 * type takes {@code type} and {@code name} (required, non-empty) and its own fields; any other
 * field is refused by name.
 */
public final class Graders {
  /** The types Lathe grades, in the order error messages list them. */
  public static final String SUPPORTED_TYPES =
      String.join(
          ", ",
          StringCheckGrader.TYPE,
          TextSimilarityGrader.TYPE,
          ScoreModelGrader.TYPE,
          LabelModelGrader.TYPE,
          JsonValidGrader.TYPE,
          JsonSchemaGrader.TYPE,
          ToolCallGrader.TYPE);

  private static final Map<String, String> REFUSED =
      Map.of(
          "python",
          "Lathe does not run user code on the server; express the check with string_check,"
              + " text_similarity, json_schema or tool_call, or grade with a judge model"
              + " (score_model, label_model)",
          "multi",
          "Lathe does not combine graders into one score; list each grader as its own testing"
              + " criterion",
          "endpoint",
          "Lathe does not call out to grading endpoints; grade with the built-in types");

  private Graders() {}

  /**
   * Parses one entry of {@code testing_criteria}; {@code path} is its JSON path (such as {@code
   * testing_criteria[1]}), which errors extend with the offending field.
   *
   * @throws GraderSpecException when the criterion cannot be graded as written
   */
  public static Grader parse(JsonNode criterion, String path) {
    CriterionFields f = new CriterionFields(criterion, path);
    String type = f.requiredString("type", "one of " + SUPPORTED_TYPES);
    String refusal = REFUSED.get(type);
    if (refusal != null) {
      throw new GraderSpecException(
          f.pathOf("type"), "OpenAI's \"" + type + "\" grader is not supported: " + refusal);
    }
    String name = f.requiredText("name", "a name for the criterion, shown in results");
    JsonNode json = criterion.deepCopy();
    return switch (type) {
      case StringCheckGrader.TYPE -> StringCheckGrader.parse(f, name, json);
      case TextSimilarityGrader.TYPE -> TextSimilarityGrader.parse(f, name, json);
      case ScoreModelGrader.TYPE -> ScoreModelGrader.parse(f, name, json);
      case LabelModelGrader.TYPE -> LabelModelGrader.parse(f, name, json);
      case JsonValidGrader.TYPE -> JsonValidGrader.parse(f, name, json);
      case JsonSchemaGrader.TYPE -> JsonSchemaGrader.parse(f, name, json);
      case ToolCallGrader.TYPE -> ToolCallGrader.parse(f, name, json);
      default ->
          throw new GraderSpecException(
              f.pathOf("type"),
              "\"" + type + "\" is not a grader type; use one of " + SUPPORTED_TYPES);
    };
  }
}
