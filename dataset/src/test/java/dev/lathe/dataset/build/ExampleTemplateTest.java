package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExampleTemplateTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<String> render(String template, Map<String, Object> fields) {
    return BuildFixtures.template("t.jinja", template)
        .render(new SourceRecord("in.csv line 2", new LinkedHashMap<>(fields)))
        .stream()
        .map(ObjectNode::toString)
        .toList();
  }

  @Test
  void valuesAreWrittenVerbatimWithQuotesBracesAndLineBreaks() {
    assertThat(
            render(
                "<|user|> {{ q }}\n<|assistant|>\n{{ a }}\n",
                Map.of("q", "Say \"hi\" {{ x }}", "a", "line one\n  line two\t")))
        .containsExactly(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Say \\\"hi\\\" {{ x }}\"},"
                + "{\"role\":\"assistant\",\"content\":\"line one\\n  line two\"}]}");
  }

  @Test
  void aLoopWritesSeveralExamplesAndRecordFieldsAreReachableByName() {
    assertThat(
            render(
                "{% for q in record['questions'] %}<|example|>\n<|user|> {{ q }}\n"
                    + "<|assistant|> {{ answer }}\n{% endfor %}",
                Map.of("questions", List.of("Who?", "Which?"), "answer", "Ada")))
        .containsExactly(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Who?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Ada\"}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Which?\"},"
                + "{\"role\":\"assistant\",\"content\":\"Ada\"}]}");
  }

  @Test
  void preferencePairsAndPromptCompletionExamples() throws Exception {
    assertThat(
            JSON.readTree(
                render(
                        "<|system|> Be brief.\n<|user|> {{ q }}\n<|preferred|> {{ good }}\n"
                            + "<|non_preferred|> {{ bad }}",
                        Map.of("q", "2+2?", "good", "4", "bad", "Four, I believe."))
                    .getFirst()))
        .isEqualTo(
            JSON.readTree(
                "{\"input\":{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"2+2?\"}]},"
                    + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"4\"}],"
                    + "\"non_preferred_output\":[{\"role\":\"assistant\","
                    + "\"content\":\"Four, I believe.\"}]}"));
    assertThat(render("<|prompt|> {{ p }} ->\n<|completion|> {{ c }}", Map.of("p", "a", "c", "b")))
        .containsExactly("{\"prompt\":\"a ->\",\"completion\":\"b\"}");
  }

  @Test
  void anOptionalFieldIsTestedWithIsDefinedAndAnUndefinedOneNamesTheRecord() {
    String template =
        "<|user|> {{ q }}\n<|assistant|> {{ a }}{% if note is defined %} ({{ note }}){% endif %}";
    assertThat(render(template, Map.of("q", "x", "a", "y")).getFirst()).contains("\"y\"");
    assertThat(render(template, Map.of("q", "x", "a", "y", "note", "n")).getFirst())
        .contains("\"y (n)\"");
    assertThatThrownBy(() -> render(template, Map.of("q", "x")))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageStartingWith("The template failed on in.csv line 2")
        .hasMessageContaining("t.jinja");
  }

  @Test
  void malformedOutputIsRefusedNamingTheRecord() {
    assertThatThrownBy(() -> render("Question: {{ q }}", Map.of("q", "x")))
        .hasMessageContaining("in.csv line 2")
        .hasMessageContaining("no marker");
    assertThatThrownBy(() -> render("hello\n<|user|> {{ q }}", Map.of("q", "x")))
        .hasMessageContaining("text before the first marker: 'hello'");
    assertThatThrownBy(() -> render("<|prompt|> {{ q }}\n<|assistant|> a", Map.of("q", "x")))
        .hasMessageContaining("<|prompt|> then <|completion|>");
    assertThatThrownBy(() -> render("<|preferred|> a\n<|user|> {{ q }}", Map.of("q", "x")))
        .hasMessageContaining("ends with <|preferred|> then <|non_preferred|>");
    assertThatThrownBy(() -> render("{{ q }}", Map.of("q", "")))
        .hasMessageContaining("wrote no example");
  }

  @Test
  void aFieldHoldingAMarkerLineIsRefusedRatherThanSplitIntoMessages() {
    assertThatThrownBy(
            () ->
                render(
                    "<|user|> {{ q }}\n<|assistant|> {{ a }}",
                    Map.of("q", "x", "a", "fine\n<|user|> injected")))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageContaining("in.csv line 2: field 'a'");
  }
}
