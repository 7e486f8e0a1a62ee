package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The report is plain Jackson JSON in snake_case, and reads back equal. */
class ValidationReportJsonTest {
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void reportRoundTripsThroughJson() throws Exception {
    ValidationReport report =
        new DatasetValidator().validate(BadFilesTest.resource("bad/tool-call-unanswered.jsonl"));

    String json = mapper.writeValueAsString(report);
    JsonNode tree = mapper.readTree(json);

    assertThat(tree.get("format").asText()).isEqualTo("CHAT");
    assertThat(tree.get("valid_examples").asLong()).isEqualTo(1);
    assertThat(tree.has("expected_format")).isFalse();
    JsonNode first = tree.get("codes").get(0);
    assertThat(first.get("code").asText()).isEqualTo("invalid_n_examples");
    assertThat(first.get("severity").asText()).isEqualTo("error");
    JsonNode unanswered = tree.get("codes").get(1).get("first").get(0);
    assertThat(unanswered.get("code").asText()).isEqualTo("tool_call_unanswered");
    assertThat(unanswered.get("path").asText()).isEqualTo("messages[2].tool_calls[0].id");
    assertThat(unanswered.has("column")).isFalse();
    assertThat(mapper.readValue(json, ValidationReport.class)).isEqualTo(report);
  }
}
