package dev.lathe.server.evals.graders;

import static dev.lathe.server.evals.graders.GraderFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private static final String ITEM =
      "{'q': 'Capital of France?', 'n': 3, 'a': {'b': {'c': 'deep'}},"
          + " 'list': ['x', {'k': 'v'}], 'obj': {'city': 'Paris'}, 'nul': null}";

  private static String render(String template, GradingInput in) {
    return Template.parse(template, "f").render(in);
  }

  private static GradingInput in(String output) {
    return new GradingInput(json(ITEM), Sample.ofText(output));
  }

  @Test
  void itemFieldsNestedFieldsAndArrayIndicesRender() {
    assertThat(render("Q: {{item.q}} ({{ item.n }})", in("")))
        .isEqualTo("Q: Capital of France? (3)");
    assertThat(render("{{item.a.b.c}}", in(""))).isEqualTo("deep");
    assertThat(render("{{item.list[0]}}/{{item.list.1.k}}/{{item.list[1].k}}", in("")))
        .isEqualTo("x/v/v");
    assertThat(render("{{item.obj}}", in(""))).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(render("{{item.nul}}", in(""))).isEqualTo("null");
    assertThat(render("no references, {single} braces", in("")))
        .isEqualTo("no references, {single} braces");
    assertThat(render("", in(""))).isEmpty();
  }

  @Test
  void sampleOutputTextJsonAndTools() {
    GradingInput in =
        new GradingInput(
            json(ITEM),
            new Sample(
                "{\"answer\": \"Paris\", \"n\": [1, 2]}",
                List.of(new ToolCall("get_weather", "{\"city\":\"Paris\"}")),
                json("{'model': 'judge-1', 'output': [{'role': 'assistant', 'content': 'hi'}]}")));
    assertThat(render("{{sample.output_text}}", in)).startsWith("{\"answer\"");
    assertThat(render("{{sample.output_json.answer}} {{sample.output_json.n[1]}}", in))
        .isEqualTo("Paris 2");
    assertThat(render("{{sample.output_tools[0].function.name}}", in)).isEqualTo("get_weather");
    assertThat(render("{{sample.output_tools}}", in))
        .isEqualTo(
            "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]");
    assertThat(render("{{sample.model}}: {{sample.output[0].content}}", in))
        .isEqualTo("judge-1: hi");
  }

  @Test
  void sampleChoicesInTheChatCompletionsShape() {
    GradingInput in =
        new GradingInput(
            json(ITEM),
            new Sample(
                "Sunny",
                List.of(new ToolCall("get_weather", "{}")),
                json("{'finish_reason': 'tool_calls'}")));
    assertThat(render("{{sample.choices[0].message.content}}", in)).isEqualTo("Sunny");
    assertThat(render("{{sample.choices[0].message.tool_calls[0].function.name}}", in))
        .isEqualTo("get_weather");
    assertThat(render("{{sample.choices[0].finish_reason}}", in)).isEqualTo("tool_calls");
    assertThat(render("{{sample.choices[0].message.role}}", in("x"))).isEqualTo("assistant");
    assertThatThrownBy(() -> render("{{sample.choices[0].message.tool_calls}}", in("x")))
        .hasMessageContaining("has no field \"tool_calls\"");
    GradingInput own =
        new GradingInput(json(ITEM), new Sample("x", List.of(), json("{'choices': ['raw']}")));
    assertThat(render("{{sample.choices[0]}}", own)).isEqualTo("raw");
  }

  @Test
  void unicodeSurvivesRendering() {
    GradingInput in = new GradingInput(json("{'q': 'Ça va? 日本語 😀'}"), Sample.ofText("ß"));
    assertThat(render("{{item.q}} → {{sample.output_text}}", in)).isEqualTo("Ça va? 日本語 😀 → ß");
  }

  @Test
  void aSingleReferenceKeepsItsJsonValue() {
    assertThat(Template.parse("{{item.obj}}", "f").renderValue(in("")))
        .isEqualTo(json("{'city': 'Paris'}"));
    assertThat(Template.parse(" {{item.obj}}", "f").renderValue(in("")).isTextual()).isTrue();
  }

  @Test
  void aMissingFieldIsAGradingErrorNamingTheFieldAndWhatExists() {
    assertThatThrownBy(() -> render("{{item.answer}}", in("")))
        .isInstanceOf(GradingError.class)
        .hasMessageContaining("{{item.answer}}")
        .hasMessageContaining("has no field \"answer\"")
        .hasMessageContaining("q, n, a, list");
    assertThatThrownBy(() -> render("{{item.a.b.x}}", in("")))
        .hasMessageContaining("item.a.b has no field \"x\"")
        .hasMessageContaining("its fields are: c");
    assertThatThrownBy(() -> render("{{item.list[5]}}", in("")))
        .hasMessageContaining("item.list has no index 5 (it is an array of 2)");
    assertThatThrownBy(() -> render("{{item.q.x}}", in("")))
        .hasMessageContaining("it is the string \"Capital of France?\"");
  }

  @Test
  void sampleProblemsAreGradingErrorsSayingWhy() {
    assertThatThrownBy(() -> render("{{sample.output_json.a}}", in("not json")))
        .isInstanceOf(GradingError.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> render("{{sample.output_json}}", in("")))
        .hasMessageContaining("empty, not JSON");
    assertThatThrownBy(() -> render("{{sample.output_text}}", new GradingInput(json(ITEM), null)))
        .hasMessageContaining("this row has no sample");
    assertThatThrownBy(() -> render("{{sample.logprobs}}", in("x")))
        .hasMessageContaining("the sample has no field \"logprobs\"");
    assertThatThrownBy(() -> render("{{item.q}}", new GradingInput(null, Sample.ofText("x"))))
        .hasMessageContaining("no data item");
  }

  @Test
  void syntaxErrorsAndUnknownNamespacesAreSpecErrorsAtParseTime() {
    assertThatThrownBy(() -> Template.parse("{{item.q", "testing_criteria[0].input"))
        .isInstanceOf(GraderSpecException.class)
        .satisfies(
            e ->
                assertThat(((GraderSpecException) e).field())
                    .isEqualTo("testing_criteria[0].input"))
        .hasMessageContaining("without a closing \"}}\"");
    assertThatThrownBy(() -> Template.parse("{{input.q}}", "f"))
        .hasMessageContaining("namespaces are item and sample");
    assertThatThrownBy(() -> Template.parse("{{item}}", "f"))
        .hasMessageContaining("names no field");
    assertThatThrownBy(() -> Template.parse("{{item.a..b}}", "f"))
        .hasMessageContaining("not a valid path");
    assertThatThrownBy(() -> Template.parse("{{item.a[x]}}", "f"))
        .hasMessageContaining("not a valid path");
    assertThatThrownBy(() -> Template.parse("{{item.a[0]b}}", "f"))
        .hasMessageContaining("not a valid path");
    assertThatThrownBy(() -> Template.parse("{{sample.[0]}}", "f"))
        .hasMessageContaining("not a valid path");
    assertThatThrownBy(() -> Template.parse("{{item.list.[0]}}", "f"))
        .hasMessageContaining("not a valid path");
    assertThatThrownBy(() -> Template.parse("{{item. .x}}", "f"))
        .hasMessageContaining("not a valid path");
  }
}
