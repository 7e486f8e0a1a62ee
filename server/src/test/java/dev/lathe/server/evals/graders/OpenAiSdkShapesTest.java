package dev.lathe.server.evals.graders;

import static dev.lathe.server.evals.graders.GraderFixtures.input;
import static dev.lathe.server.evals.graders.GraderFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.models.evals.EvalCreateParams;
import com.openai.models.evals.EvalRetrieveResponse;
import com.openai.models.evals.runs.outputitems.OutputItemRetrieveResponse;
import com.openai.models.graders.gradermodels.StringCheckGrader.Operation;
import com.openai.models.graders.gradermodels.TextSimilarityGrader.EvaluationMetric;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The official openai-java SDK's own serialisation of testing criteria parses here, including
 * Lathe's extension types sent through the SDK's raw-JSON escape hatch, and a result's wire form
 * reads back as the SDK's output-item result.
 */
class OpenAiSdkShapesTest {

  private static EvalCreateParams.Builder eval() {
    return EvalCreateParams.builder()
        .name("capitals")
        .customDataSourceConfig(
            EvalCreateParams.DataSourceConfig.Custom.ItemSchema.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .build());
  }

  private static com.openai.models.graders.gradermodels.StringCheckGrader exact(Operation op) {
    return com.openai.models.graders.gradermodels.StringCheckGrader.builder()
        .name("exact")
        .input("{{sample.output_text}}")
        .reference("{{item.answer}}")
        .operation(op)
        .build();
  }

  /** The request body exactly as the SDK would send it. */
  private static JsonNode body(EvalCreateParams params) throws Exception {
    return ObjectMappers.jsonMapper().valueToTree(params._body());
  }

  @Test
  void typedCriteriaFromTheSdkParse() throws Exception {
    EvalCreateParams params =
        eval()
            .addTestingCriterion(exact(Operation.ILIKE))
            .addTestingCriterion(
                EvalCreateParams.TestingCriterion.TextSimilarity.builder()
                    .name("close")
                    .input("{{sample.output_text}}")
                    .reference("{{item.answer}}")
                    .evaluationMetric(EvaluationMetric.ROUGE_L)
                    .passThreshold(0.5)
                    .build())
            .addTestingCriterion(
                EvalCreateParams.TestingCriterion.LabelModel.builder()
                    .name("judged")
                    .model("ft:judge")
                    .addInput(
                        EvalCreateParams.TestingCriterion.LabelModel.Input.SimpleInputMessage
                            .builder()
                            .role("user")
                            .content("Is {{sample.output_text}} right?")
                            .build())
                    .labels(List.of("yes", "no"))
                    .passingLabels(List.of("yes"))
                    .build())
            .build();
    JsonNode criteria = body(params).get("testing_criteria");
    Grader exact = Graders.parse(criteria.get(0), "testing_criteria[0]");
    Grader close = Graders.parse(criteria.get(1), "testing_criteria[1]");
    Grader judged = Graders.parse(criteria.get(2), "testing_criteria[2]");
    GradingInput in = input("{'answer': 'Paris'}", "paris");
    assertThat(exact.grade(in, GraderFixtures.NO_JUDGE).passed()).isTrue();
    assertThat(close.grade(in, GraderFixtures.NO_JUDGE).score()).isEqualTo(1.0);
    assertThat(judged.type()).isEqualTo("label_model");
    assertThat(exact.toJson()).isEqualTo(criteria.get(0));
  }

  /**
   * An extension type goes through the SDK by giving {@code testing_criteria} as raw JSON: {@code
   * builder.testingCriteria(JsonValue.from(List.of(Map.of("type", "json_schema", ...))))}.
   */
  @Test
  void oneExtensionCriterionConvertsToTheSdksTypeBesideTypedOnes() throws Exception {
    EvalCreateParams params =
        eval()
            .addTestingCriterion(exact(Operation.EQ))
            .addTestingCriterion(
                JsonValue.from(Map.of("type", "json_valid", "name", "is json"))
                    .convert(EvalCreateParams.TestingCriterion.class))
            .build();
    JsonNode criteria = body(params).get("testing_criteria");
    assertThat(criteria.get(1)).isEqualTo(json("{'type': 'json_valid', 'name': 'is json'}"));
    Grader g = Graders.parse(criteria.get(1), "testing_criteria[1]");
    assertThat(g.grade(input("{}", "[1]"), GraderFixtures.NO_JUDGE).passed()).isTrue();
    assertThat(g.grade(input("{}", "[1"), GraderFixtures.NO_JUDGE).passed()).isFalse();
  }

  @Test
  void extensionTypesTravelThroughTheSdkAsRawJson() throws Exception {
    EvalCreateParams params =
        eval()
            .testingCriteria(
                JsonValue.from(
                    List.of(
                        Map.of(
                            "type", "json_schema",
                            "name", "shape",
                            "schema", Map.of("type", "object", "required", List.of("city"))),
                        Map.of("type", "tool_call", "name", "tool", "function", "get_weather"))))
            .build();
    JsonNode criteria = body(params).get("testing_criteria");
    Grader shape = Graders.parse(criteria.get(0), "testing_criteria[0]");
    Grader tool = Graders.parse(criteria.get(1), "testing_criteria[1]");
    assertThat(shape.grade(input("{}", "{\"city\": \"Oslo\"}"), GraderFixtures.NO_JUDGE).passed())
        .isTrue();
    assertThat(shape.grade(input("{}", "{}"), GraderFixtures.NO_JUDGE).passed()).isFalse();
    assertThat(tool.type()).isEqualTo("tool_call");
  }

  /** The SDK reads an eval holding an extension criterion: the criterion is kept as raw JSON. */
  @Test
  void theSdkReadsAnEvalWithAnExtensionCriterion() throws Exception {
    Grader g =
        Graders.parse(json("{'type': 'json_valid', 'name': 'is json'}"), "testing_criteria[0]");
    JsonNode eval =
        json(
            "{'id': 'eval_1', 'object': 'eval', 'name': 'e', 'created_at': 1, 'metadata': null,"
                + " 'data_source_config': {'type': 'custom', 'schema': {'type': 'object'}},"
                + " 'testing_criteria': []}");
    ((com.fasterxml.jackson.databind.node.ArrayNode) eval.get("testing_criteria")).add(g.toJson());
    EvalRetrieveResponse read =
        ObjectMappers.jsonMapper().treeToValue(eval, EvalRetrieveResponse.class);
    EvalRetrieveResponse.TestingCriterion c = read.testingCriteria().getFirst();
    assertThat(c.isStringCheckGrader()).isFalse();
    assertThat(c._json()).isPresent();
    assertThat(ObjectMappers.jsonMapper().<JsonNode>valueToTree(c._json().get()))
        .isEqualTo(g.toJson());
  }

  @Test
  void aResultsWireFormReadsAsTheSdksOutputItemResult() throws Exception {
    Grader g =
        Graders.parse(
            json(
                "{'type': 'string_check', 'name': 'exact', 'input': '{{sample.output_text}}',"
                    + " 'reference': '{{item.answer}}', 'operation': 'eq'}"),
            "testing_criteria[0]");
    GraderResult ok = g.grade(input("{'answer': 'Paris'}", "Paris"), GraderFixtures.NO_JUDGE);
    GraderResult errored = g.grade(input("{}", "Paris"), GraderFixtures.NO_JUDGE);
    var mapper = ObjectMappers.jsonMapper();
    OutputItemRetrieveResponse.Result a =
        mapper.treeToValue(ok.toJson(), OutputItemRetrieveResponse.Result.class).validate();
    assertThat(a.name()).isEqualTo("exact");
    assertThat(a.passed()).isTrue();
    assertThat(a.score()).isEqualTo(1.0);
    assertThat(a.type()).contains("string_check");
    OutputItemRetrieveResponse.Result b =
        mapper.treeToValue(errored.toJson(), OutputItemRetrieveResponse.Result.class).validate();
    assertThat(b.passed()).isFalse();
    assertThat(b.sample()).isPresent();
    assertThat(b.sample().get()._additionalProperties()).containsKey("error");
  }
}
