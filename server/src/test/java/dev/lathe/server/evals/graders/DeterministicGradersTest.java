package dev.lathe.server.evals.graders;

import static dev.lathe.server.evals.graders.GraderFixtures.grade;
import static dev.lathe.server.evals.graders.GraderFixtures.input;
import static dev.lathe.server.evals.graders.GraderFixtures.json;
import static dev.lathe.server.evals.graders.GraderFixtures.withTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** string_check, text_similarity, json_valid, json_schema and tool_call grading samples. */
class DeterministicGradersTest {

  private static String stringCheck(String op) {
    return "{'type': 'string_check', 'name': 'sc', 'input': '{{sample.output_text}}',"
        + " 'reference': '{{item.answer}}', 'operation': '"
        + op
        + "'}";
  }

  @Test
  void stringCheckOperations() {
    GradingInput paris = input("{'answer': 'Paris'}", "Paris");
    GradingInput sentence = input("{'answer': 'Paris'}", "The capital is PARIS, of course.");
    assertThat(grade(stringCheck("eq"), paris).passed()).isTrue();
    assertThat(grade(stringCheck("eq"), paris).score()).isEqualTo(1.0);
    assertThat(grade(stringCheck("eq"), sentence).passed()).isFalse();
    assertThat(grade(stringCheck("eq"), sentence).score()).isEqualTo(0.0);
    assertThat(grade(stringCheck("ne"), sentence).passed()).isTrue();
    assertThat(grade(stringCheck("ne"), paris).passed()).isFalse();
    assertThat(grade(stringCheck("like"), sentence).passed()).isFalse();
    assertThat(grade(stringCheck("like"), input("{'answer': 'Paris'}", "in Paris.")).passed())
        .isTrue();
    assertThat(grade(stringCheck("ilike"), sentence).passed()).isTrue();
  }

  @Test
  void stringCheckEdgeCases() {
    // no trimming
    assertThat(grade(stringCheck("eq"), input("{'answer': 'Paris'}", "Paris ")).passed()).isFalse();
    // the empty reference is contained in everything, equal only to the empty string
    assertThat(grade(stringCheck("like"), input("{'answer': ''}", "anything")).passed()).isTrue();
    assertThat(grade(stringCheck("eq"), input("{'answer': ''}", "")).passed()).isTrue();
    // Unicode case folding for ilike
    assertThat(grade(stringCheck("ilike"), input("{'answer': 'ÉTÉ'}", "un été chaud")).passed())
        .isTrue();
    assertThat(grade(stringCheck("like"), input("{'answer': 'ÉTÉ'}", "un été chaud")).passed())
        .isFalse();
    // a number in the item renders as its JSON text
    assertThat(grade(stringCheck("eq"), input("{'answer': 42}", "42")).passed()).isTrue();
  }

  @Test
  void aMissingFieldIsAnErroredResultNotAnException() {
    GraderResult r = grade(stringCheck("eq"), input("{'question': 'q'}", "Paris"));
    assertThat(r.errored()).isTrue();
    assertThat(r.passed()).isFalse();
    assertThat(r.score()).isEqualTo(0.0);
    assertThat(r.error()).contains("{{item.answer}}").contains("question");
    assertThat(r.name()).isEqualTo("sc");
    assertThat(r.type()).isEqualTo("string_check");
    assertThat(r.toJson().get("sample").get("error").get("message").asText()).isEqualTo(r.error());
    assertThat(r.toJson().get("sample").get("error").get("code").asText())
        .isEqualTo("grader_error");
  }

  @Test
  void resultsWireFormIsAnOutputItemResult() {
    GraderResult r = grade(stringCheck("eq"), input("{'answer': 'Paris'}", "Paris"));
    assertThat(r.toJson())
        .isEqualTo(
            json(
                "{'name': 'sc', 'type': 'string_check', 'score': 1.0, 'passed': true,"
                    + " 'sample': null}"));
    assertThat(r.judgeUsage()).isNull();
  }

  private static String similarity(String metric, double threshold) {
    return "{'type': 'text_similarity', 'name': 'ts', 'input': '{{sample.output_text}}',"
        + " 'reference': '{{item.ref}}', 'evaluation_metric': '"
        + metric
        + "', 'pass_threshold': "
        + threshold
        + "}";
  }

  @Test
  void textSimilarityScoresWithTheMetricAndPassesAtTheThreshold() {
    GradingInput in = input("{'ref': 'sitting'}", "kitten");
    GraderResult r = grade(similarity("fuzzy_match", 0.6), in);
    assertThat(r.score()).isCloseTo(8.0 / 13, within(1e-12));
    assertThat(r.passed()).isTrue();
    assertThat(grade(similarity("fuzzy_match", 0.62), in).passed()).isFalse();
    // the threshold itself passes
    GradingInput same = input("{'ref': 'same words here'}", "same words here");
    assertThat(grade(similarity("bleu", 1.0), same).passed()).isTrue();
    GradingInput fox =
        input(
            "{'ref': 'The quick brown fox jumps over the lazy dog'}",
            "The quick brown dog jumps on the log.");
    assertThat(grade(similarity("rouge_1", 0.5), fox).score()).isCloseTo(12.0 / 17, within(1e-12));
    assertThat(grade(similarity("rouge_2", 0.5), fox).score()).isCloseTo(4.0 / 15, within(1e-12));
    assertThat(grade(similarity("rouge_3", 0.5), fox).score()).isCloseTo(2.0 / 13, within(1e-12));
    assertThat(grade(similarity("rouge_4", 0.5), fox).score()).isEqualTo(0.0);
    assertThat(grade(similarity("rouge_5", 0.5), fox).score()).isEqualTo(0.0);
    assertThat(grade(similarity("rouge_l", 0.5), fox).score()).isCloseTo(10.0 / 17, within(1e-12));
    assertThat(
            grade(
                    similarity("gleu", 0.5),
                    input("{'ref': 'the cat is on the mat'}", "the cat sat on the mat"))
                .score())
        .isCloseTo(0.5, within(1e-12));
    assertThat(
            grade(
                    similarity("bleu", 0.5),
                    input("{'ref': 'the cat is on the mat'}", "the cat sat on the mat"))
                .score())
        .isCloseTo(Math.pow(1.0 / 48, 0.25), within(1e-12));
  }

  @Test
  void textSimilarityOnEmptyText() {
    assertThat(grade(similarity("fuzzy_match", 1), input("{'ref': ''}", "")).passed()).isTrue();
    assertThat(grade(similarity("bleu", 0), input("{'ref': ''}", "")).score()).isEqualTo(0.0);
    assertThat(grade(similarity("bleu", 0), input("{'ref': ''}", "")).passed()).isTrue();
  }

  private static final String JSON_VALID = "{'type': 'json_valid', 'name': 'jv'}";

  @Test
  void jsonValidAcceptsExactlyOneStrictJsonValue() {
    assertThat(grade(JSON_VALID, input("{}", "{\"a\": [1, 2.5, null, true]}")).passed()).isTrue();
    assertThat(grade(JSON_VALID, input("{}", "  \"just a string\"\n")).passed()).isTrue();
    assertThat(grade(JSON_VALID, input("{}", "42")).score()).isEqualTo(1.0);
    assertThat(grade(JSON_VALID, input("{}", "{\"a\": 1} trailing")).passed()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "{'a': 1}")).passed()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "{\"a\": 1,}")).passed()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "{\"a\": 1, \"a\": 2}")).passed()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "")).passed()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "")).errored()).isFalse();
    assertThat(grade(JSON_VALID, input("{}", "{\"a\": 1} /* c */")).score()).isEqualTo(0.0);
    // another input than the output text
    String onItem = "{'type': 'json_valid', 'name': 'jv', 'input': '{{item.raw}}'}";
    assertThat(grade(onItem, input("{'raw': '[1, 2]'}", "not json")).passed()).isTrue();
  }

  private static final String SCHEMA =
      "{'type': 'json_schema', 'name': 'js', 'schema': {'type': 'object',"
          + " 'properties': {'city': {'type': 'string'}, 'days': {'type': 'integer',"
          + " 'minimum': 1}}, 'required': ['city'], 'additionalProperties': false}}";

  @Test
  void jsonSchemaPassesOnlyJsonTheSchemaAccepts() {
    assertThat(grade(SCHEMA, input("{}", "{\"city\": \"Paris\", \"days\": 3}")).passed()).isTrue();
    assertThat(grade(SCHEMA, input("{}", "{\"city\": \"Zürich\"}")).score()).isEqualTo(1.0);
    assertThat(grade(SCHEMA, input("{}", "{\"days\": 3}")).passed()).isFalse();
    assertThat(grade(SCHEMA, input("{}", "{\"city\": \"Paris\", \"days\": 0}")).passed()).isFalse();
    assertThat(grade(SCHEMA, input("{}", "{\"city\": \"Paris\", \"extra\": 1}")).passed())
        .isFalse();
    assertThat(grade(SCHEMA, input("{}", "{\"city\": 5}")).passed()).isFalse();
    assertThat(grade(SCHEMA, input("{}", "not json")).passed()).isFalse();
    assertThat(grade(SCHEMA, input("{}", "not json")).errored()).isFalse();
  }

  @Test
  void jsonSchemaResolvesLocalRefs() {
    String withDefs =
        "{'type': 'json_schema', 'name': 'js', 'schema': {'$defs': {'pos': {'type': 'integer',"
            + " 'minimum': 1}}, 'type': 'array', 'items': {'$ref': '#/$defs/pos'}}}";
    assertThat(grade(withDefs, input("{}", "[1, 2, 3]")).passed()).isTrue();
    assertThat(grade(withDefs, input("{}", "[1, 0]")).passed()).isFalse();
  }

  private static final String TOOL =
      "{'type': 'tool_call', 'name': 'tc', 'function': '{{item.tool}}',"
          + " 'arguments': '{{item.args}}'}";

  @Test
  void toolCallMatchesNameAndArgumentsAsJson() {
    String item = "{'tool': 'get_weather', 'args': {'city': 'Paris', 'days': 2}}";
    assertThat(
            grade(
                    TOOL,
                    withTools(
                        item, new ToolCall("get_weather", "{\"days\":2.0,\"city\":\"Paris\"}")))
                .passed())
        .isTrue();
    assertThat(
            grade(TOOL, withTools(item, new ToolCall("get_weather", "{\"city\":\"Paris\"}")))
                .passed())
        .isFalse();
    assertThat(
            grade(
                    TOOL,
                    withTools(item, new ToolCall("get_time", "{\"city\":\"Paris\",\"days\":2}")))
                .passed())
        .isFalse();
    assertThat(grade(TOOL, withTools(item, new ToolCall("get_weather", "{city: Paris}"))).passed())
        .isFalse();
    assertThat(grade(TOOL, withTools(item)).passed()).isFalse();
    // a call without a name or arguments matches nothing, and does not break grading
    GraderResult nameless = grade(TOOL, withTools(item, new ToolCall(null, null)));
    assertThat(nameless.passed()).isFalse();
    assertThat(nameless.errored()).isFalse();
    // any of several calls may match
    assertThat(
            grade(
                    TOOL,
                    withTools(
                        item,
                        new ToolCall("get_time", "{}"),
                        new ToolCall("get_weather", "{\"city\":\"Paris\",\"days\":2}")))
                .score())
        .isEqualTo(1.0);
  }

  @Test
  void toolCallArgumentsFromJsonTextOrALiteralOrNotAtAll() {
    // the item holds the expected arguments as JSON text
    String item = "{\"tool\": \"f\", \"args\": \"{\\\"x\\\": [1, 2]}\"}";
    assertThat(grade(TOOL, withTools(item, new ToolCall("f", "{\"x\":[1,2]}"))).passed()).isTrue();
    assertThat(grade(TOOL, withTools(item, new ToolCall("f", "{\"x\":[1,3]}"))).passed()).isFalse();
    String literal =
        "{'type': 'tool_call', 'name': 'tc', 'function': 'f', 'arguments': {'x': [2, 1]}}";
    assertThat(grade(literal, withTools("{}", new ToolCall("f", "{\"x\":[2,1]}"))).passed())
        .isTrue();
    // array order matters
    assertThat(grade(literal, withTools("{}", new ToolCall("f", "{\"x\":[1,2]}"))).passed())
        .isFalse();
    String nameOnly = "{'type': 'tool_call', 'name': 'tc', 'function': 'f'}";
    assertThat(grade(nameOnly, withTools("{}", new ToolCall("f", "garbage"))).passed()).isTrue();
  }

  @Test
  void toolCallErrorsNameTheProblem() {
    GraderResult badExpected =
        grade(TOOL, withTools("{'tool': 'f', 'args': 'not json'}", new ToolCall("f", "{}")));
    assertThat(badExpected.errored()).isTrue();
    assertThat(badExpected.error()).contains("expected arguments").contains("not JSON");
    GraderResult noSample = grade(TOOL, new GradingInput(json("{'tool': 'f', 'args': {}}"), null));
    assertThat(noSample.error()).contains("no sample");
    GraderResult missing = grade(TOOL, withTools("{'args': {}}", new ToolCall("f", "{}")));
    assertThat(missing.error()).contains("{{item.tool}}");
  }
}
