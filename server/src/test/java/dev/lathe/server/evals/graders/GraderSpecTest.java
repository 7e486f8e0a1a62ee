package dev.lathe.server.evals.graders;

import static dev.lathe.server.evals.graders.GraderFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/** Criteria that cannot be graded: each refusal names the field's path and the fix. */
class GraderSpecTest {

  private static GraderSpecException refusal(String criterion) {
    GraderSpecException e =
        catchThrowableOfType(
            GraderSpecException.class, () -> Graders.parse(json(criterion), "testing_criteria[2]"));
    assertThat(e).as("refused: %s", criterion).isNotNull();
    return e;
  }

  private static void refused(String criterion, String field, String... messageParts) {
    GraderSpecException e = refusal(criterion);
    assertThat(e.field()).isEqualTo(field);
    assertThat(e.reason()).contains(messageParts);
    assertThat(e.getMessage()).startsWith(field + ": ");
  }

  private static final String SC =
      "'type': 'string_check', 'name': 'n', 'input': '{{sample.output_text}}', 'reference': 'x'";

  @Test
  void theShapeTypeAndName() {
    GraderSpecException notObject =
        catchThrowableOfType(
            GraderSpecException.class, () -> Graders.parse(json("[1]"), "testing_criteria[0]"));
    assertThat(notObject.field()).isEqualTo("testing_criteria[0]");
    assertThat(notObject.reason()).contains("must be a JSON object").contains("an array");
    refused("{'name': 'n'}", "testing_criteria[2].type", "is required", "string_check");
    refused("{'type': 7}", "testing_criteria[2].type", "must be a string", "the number 7");
    refused(
        "{'type': 'regex', 'name': 'n'}",
        "testing_criteria[2].type",
        "\"regex\" is not a grader type",
        "string_check, text_similarity, score_model, label_model, json_valid, json_schema,"
            + " tool_call");
    refused("{'type': 'json_valid'}", "testing_criteria[2].name", "is required");
    refused(
        "{'type': 'json_valid', 'name': '  '}", "testing_criteria[2].name", "must not be empty");
  }

  @Test
  void openAiGraderTypesLatheDoesNotRunAreRefusedByName() {
    refused(
        "{'type': 'python', 'name': 'p', 'source': 'def grade(s, i): return 1'}",
        "testing_criteria[2].type",
        "OpenAI's \"python\" grader is not supported",
        "does not run user code");
    refused(
        "{'type': 'multi', 'name': 'm'}",
        "testing_criteria[2].type",
        "\"multi\"",
        "own testing criterion");
    refused("{'type': 'endpoint', 'name': 'e'}", "testing_criteria[2].type", "\"endpoint\"");
  }

  @Test
  void stringCheckFields() {
    refused("{" + SC + "}", "testing_criteria[2].operation", "is required", "eq, ne, like, ilike");
    refused(
        "{" + SC + ", 'operation': 'contains'}",
        "testing_criteria[2].operation",
        "\"contains\" is not an operation of string_check",
        "eq, ne, like, ilike");
    refused(
        "{" + SC + ", 'operation': 'eq', 'case_sensitive': true}",
        "testing_criteria[2].case_sensitive",
        "is not a field Lathe supports in a string_check criterion",
        "type, name, input, reference, operation");
    refused(
        "{'type': 'string_check', 'name': 'n', 'input': 5, 'reference': 'x', 'operation': 'eq'}",
        "testing_criteria[2].input",
        "must be a string");
    refused(
        "{'type': 'string_check', 'name': 'n', 'input': '{{output_text}}', 'reference': 'x',"
            + " 'operation': 'eq'}",
        "testing_criteria[2].input",
        "namespaces are item and sample");
    refused(
        "{'type': 'string_check', 'name': 'n', 'input': 'a', 'reference': '{{item.x',"
            + " 'operation': 'eq'}",
        "testing_criteria[2].reference",
        "without a closing");
  }

  private static final String TS =
      "'type': 'text_similarity', 'name': 'n', 'input': 'a', 'reference': 'b'";

  @Test
  void textSimilarityFields() {
    refused(
        "{" + TS + ", 'evaluation_metric': 'meteor', 'pass_threshold': 0.5}",
        "testing_criteria[2].evaluation_metric",
        "\"meteor\" is an OpenAI metric Lathe does not compute",
        "WordNet");
    refused(
        "{" + TS + ", 'evaluation_metric': 'cosine', 'pass_threshold': 0.5}",
        "testing_criteria[2].evaluation_metric",
        "\"cosine\"",
        "embeddings");
    refused(
        "{" + TS + ", 'evaluation_metric': 'rouge_6', 'pass_threshold': 0.5}",
        "testing_criteria[2].evaluation_metric",
        "not an evaluation metric",
        "fuzzy_match, bleu, gleu, rouge_1, rouge_2, rouge_3, rouge_4, rouge_5, rouge_l");
    refused(
        "{" + TS + ", 'evaluation_metric': 'bleu'}",
        "testing_criteria[2].pass_threshold",
        "is required");
    refused(
        "{" + TS + ", 'evaluation_metric': 'bleu', 'pass_threshold': 1.5}",
        "testing_criteria[2].pass_threshold",
        "in [0, 1]");
    refused(
        "{" + TS + ", 'evaluation_metric': 'bleu', 'pass_threshold': '0.5'}",
        "testing_criteria[2].pass_threshold",
        "must be a finite number");
  }

  private static final String SM =
      "'type': 'score_model', 'name': 'n', 'model': 'm', 'pass_threshold': 0.5";
  private static final String USER = "[{'role': 'user', 'content': 'rate'}]";

  @Test
  void scoreModelFields() {
    refused("{" + SM + "}", "testing_criteria[2].input", "is required");
    refused("{" + SM + ", 'input': []}", "testing_criteria[2].input", "non-empty array");
    refused(
        "{" + SM + ", 'input': [{'role': 'judge', 'content': 'x'}]}",
        "testing_criteria[2].input[0].role",
        "\"judge\" is not a role");
    refused(
        "{"
            + SM
            + ", 'input': [{'role': 'user', 'content': {'type': 'input_image',"
            + " 'image_url': 'x'}}]}",
        "testing_criteria[2].input[0].content.type",
        "\"input_image\" content is not supported");
    refused(
        "{" + SM + ", 'input': [{'role': 'user', 'content': 'x', 'name': 'bob'}]}",
        "testing_criteria[2].input[0].name",
        "is not a field Lathe supports in a message",
        "type, role, content");
    refused(
        "{'type': 'score_model', 'name': 'n', 'pass_threshold': 0.5, 'input': " + USER + "}",
        "testing_criteria[2].model",
        "is required");
    refused(
        "{" + SM + ", 'input': " + USER + ", 'range': [5, 1]}",
        "testing_criteria[2].range",
        "min < max");
    refused(
        "{" + SM + ", 'input': " + USER + ", 'range': [0]}",
        "testing_criteria[2].range",
        "[min, max]");
    refused(
        "{'type': 'score_model', 'name': 'n', 'model': 'm', 'input': "
            + USER
            + ", 'range': [1, 10], 'pass_threshold': 11}",
        "testing_criteria[2].pass_threshold",
        "outside range [1.0, 10.0]");
    refused(
        "{'type': 'score_model', 'name': 'n', 'model': 'm', 'input': " + USER + "}",
        "testing_criteria[2].pass_threshold",
        "is required");
  }

  @Test
  void samplingParams() {
    String base = "{" + SM + ", 'input': " + USER + ", 'sampling_params': ";
    refused(
        base + "{'reasoning_effort': 'high'}}",
        "testing_criteria[2].sampling_params.reasoning_effort",
        "is not supported");
    refused(
        base + "{'max_tokens': 5}}",
        "testing_criteria[2].sampling_params.max_tokens",
        "is not a field Lathe supports in sampling_params",
        "max_completions_tokens");
    refused(
        base + "{'temperature': 3}}", "testing_criteria[2].sampling_params.temperature", "[0, 2]");
    refused(base + "{'top_p': 0}}", "testing_criteria[2].sampling_params.top_p", "(0, 1]");
    refused(base + "{'seed': 1.5}}", "testing_criteria[2].sampling_params.seed", "integer");
    refused(base + "5}", "testing_criteria[2].sampling_params", "must be a JSON object");
    refused(
        base + "{'max_completions_tokens': 0}}",
        "testing_criteria[2].sampling_params.max_completions_tokens",
        "positive integer");
  }

  @Test
  void labelModelFields() {
    String lm = "'type': 'label_model', 'name': 'n', 'model': 'm', 'input': " + USER;
    refused("{" + lm + ", 'passing_labels': ['a']}", "testing_criteria[2].labels", "is required");
    refused(
        "{" + lm + ", 'labels': [], 'passing_labels': []}",
        "testing_criteria[2].labels",
        "non-empty");
    refused(
        "{" + lm + ", 'labels': ['a', 'a'], 'passing_labels': ['a']}",
        "testing_criteria[2].labels[1]",
        "repeats \"a\"");
    refused(
        "{" + lm + ", 'labels': ['a', 'b'], 'passing_labels': ['c']}",
        "testing_criteria[2].passing_labels[0]",
        "\"c\" is not one of labels [a, b]");
    refused(
        "{" + lm + ", 'labels': ['a'], 'passing_labels': ['a'], 'range': [0, 1]}",
        "testing_criteria[2].range",
        "is not a field Lathe supports in a label_model criterion");
  }

  @Test
  void jsonSchemaFields() {
    refused("{'type': 'json_schema', 'name': 'n'}", "testing_criteria[2].schema", "is required");
    refused(
        "{'type': 'json_schema', 'name': 'n', 'schema': 'object'}",
        "testing_criteria[2].schema",
        "must be a JSON Schema object");
    GraderSpecException bad =
        refusal(
            "{'type': 'json_schema', 'name': 'n', 'schema': {'properties': {'a': {'type': 'strnig'}}}}");
    assertThat(bad.field()).isEqualTo("testing_criteria[2].schema.properties.a.type");
    assertThat(bad.reason()).contains("is not a valid JSON Schema").contains("enumeration");
    refused(
        "{'type': 'json_schema', 'name': 'n', 'schema': {'items': {'$ref':"
            + " 'https://example.com/s.json'}}}",
        "testing_criteria[2].schema.items.$ref",
        "another document",
        "$defs");
  }

  @Test
  void toolCallFields() {
    refused("{'type': 'tool_call', 'name': 'n'}", "testing_criteria[2].function", "is required");
    refused(
        "{'type': 'tool_call', 'name': 'n', 'function': 'f', 'arguments': 3}",
        "testing_criteria[2].arguments",
        "JSON object or a template string");
    refused(
        "{'type': 'tool_call', 'name': 'n', 'function': 'f', 'arguments': '{x: 1}'}",
        "testing_criteria[2].arguments",
        "neither a template nor JSON text");
  }

  @Test
  void theWireFormIsTheCriterionAsGivenAndParsesAgain() {
    String[] criteria = {
      "{" + SC + ", 'operation': 'ilike'}",
      "{" + TS + ", 'evaluation_metric': 'rouge_l', 'pass_threshold': 0.25}",
      "{" + SM + ", 'input': " + USER + ", 'range': [0, 1], 'sampling_params': {'seed': 3}}",
      "{'type': 'label_model', 'name': 'n', 'model': 'm', 'input': "
          + USER
          + ", 'labels': ['a', 'b'], 'passing_labels': ['a']}",
      "{'type': 'json_valid', 'name': 'n'}",
      "{'type': 'json_schema', 'name': 'n', 'schema': {'type': 'object'}}",
      "{'type': 'tool_call', 'name': 'n', 'function': 'f', 'arguments': {'a': 1}}",
    };
    for (String c : criteria) {
      Grader g = Graders.parse(json(c), "testing_criteria[0]");
      assertThat(g.toJson()).isEqualTo(json(c));
      assertThat(g.name()).isEqualTo("n");
      assertThat(g.type()).isEqualTo(json(c).get("type").asText());
      assertThat(Graders.parse(g.toJson(), "testing_criteria[0]").toJson()).isEqualTo(g.toJson());
    }
  }
}
