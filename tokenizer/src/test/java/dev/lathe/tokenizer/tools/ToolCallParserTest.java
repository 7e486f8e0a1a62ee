package dev.lathe.tokenizer.tools;

import static dev.lathe.tokenizer.tools.StreamCheck.parseAndStream;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tokenizer.PlainToolText;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each format's parser on whole outputs, and streamed (one character at a time and split at every
 * boundary, see {@link StreamCheck}): content before calls, several calls, invalid JSON arguments,
 * malformed calls, outputs without calls, and {@code parallel_tool_calls: false}.
 */
class ToolCallParserTest {

  static ToolCall call(int id, String name, String arguments) {
    return new ToolCall("call_" + id, name, arguments);
  }

  @Test
  void hermesContentThenTwoCalls() {
    String text =
        "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":"
            + " \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n"
            + "</tool_call>";
    assertThat(parseAndStream(ToolCallFormat.HERMES, true, text))
        .isEqualTo(
            new ToolCallOutput(
                "Let me check.",
                List.of(
                    call(0, "get_weather", "{\"city\": \"Paris\"}"), call(1, "get_time", "{}"))));
    assertThat(parseAndStream(ToolCallFormat.HERMES, false, text).calls())
        .containsExactly(call(0, "get_weather", "{\"city\": \"Paris\"}"));
  }

  @Test
  void hermesInvalidArgumentsAreReturnedAsWritten() {
    assertThat(
            parseAndStream(
                    ToolCallFormat.HERMES,
                    true,
                    "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1,}}\n</tool_call>")
                .calls())
        .containsExactly(call(0, "f", "{\"a\": 1,}"));
    // cut off mid-arguments (max_tokens): the arguments written so far, content null
    assertThat(
            parseAndStream(
                ToolCallFormat.HERMES,
                true,
                "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, \"}"))
        .isEqualTo(new ToolCallOutput(null, List.of(call(0, "f", "{\"a\": [1, \"}"))));
    // arguments written before the name, and a string value holding a closing brace
    assertThat(
            parseAndStream(
                    ToolCallFormat.HERMES,
                    true,
                    "<tool_call>{\"arguments\": {\"q\": \"}{\\\"\"}, \"name\": \"s\"}</tool_call>")
                .calls())
        .containsExactly(call(0, "s", "{\"q\": \"}{\\\"\"}"));
  }

  @Test
  void hermesSmolLmArraysAndOutputsWithoutCalls() {
    assertThat(
            parseAndStream(
                    ToolCallFormat.HERMES,
                    true,
                    "<tool_call>[{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\","
                        + " \"arguments\": {}}]</tool_call>")
                .calls())
        .containsExactly(call(0, "a", "{\"x\": 1}"), call(1, "b", "{}"));
    String prose = "Use <tool or < signs, and a tag <tool_cal at the end <tool_call";
    assertThat(parseAndStream(ToolCallFormat.HERMES, true, prose))
        .isEqualTo(new ToolCallOutput(prose, List.of()));
    // a call whose name cannot be read: no call, the whole output is content
    String broken = "Sure <tool_call>\nnot json\n</tool_call>";
    assertThat(parseAndStream(ToolCallFormat.HERMES, true, broken))
        .isEqualTo(new ToolCallOutput(broken, List.of()));
    // a malformed call among good ones is dropped
    assertThat(
            parseAndStream(
                    ToolCallFormat.HERMES,
                    true,
                    "<tool_call>oops</tool_call><tool_call>{\"name\": \"g\"}</tool_call>")
                .calls())
        .containsExactly(call(0, "g", "{}"));
  }

  @Test
  void llamaJsonWithAndWithoutPythonTag() {
    assertThat(
            parseAndStream(
                ToolCallFormat.LLAMA3_JSON,
                true,
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}"))
        .isEqualTo(
            new ToolCallOutput(null, List.of(call(0, "get_weather", "{\"city\": \"Paris\"}"))));
    assertThat(
            parseAndStream(
                    ToolCallFormat.LLAMA3_JSON,
                    true,
                    "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\","
                        + " \"arguments\": {\"x\": [1, 2]}}")
                .calls())
        .containsExactly(call(0, "a", "{}"), call(1, "b", "{\"x\": [1, 2]}"));
    for (String content : List.of("{\"answer\": 42}", "Hello there", "  { \"nam", "<|python")) {
      assertThat(parseAndStream(ToolCallFormat.LLAMA3_JSON, true, content))
          .isEqualTo(new ToolCallOutput(content, List.of()));
    }
  }

  @Test
  void mistralCallsArray() {
    assertThat(
            parseAndStream(
                ToolCallFormat.MISTRAL,
                true,
                "Sure.[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": \"]\"}}, {\"name\":"
                    + " \"b\", \"arguments\": {}, \"id\": \"abcdefghi\"}] trailing"))
        .isEqualTo(
            new ToolCallOutput(
                "Sure.", List.of(call(0, "a", "{\"x\": \"]\"}"), call(1, "b", "{}"))));
    assertThat(parseAndStream(ToolCallFormat.MISTRAL, true, "A [TOOL list]"))
        .isEqualTo(new ToolCallOutput("A [TOOL list]", List.of()));
  }

  @Test
  void plainContentThenCallsWithEscapes() {
    String text =
        "Checking.\n<call> get_weather $o\"city\": \"S$u00e3o Paulo\"$c\n<call> get_time $o$c";
    assertThat(parseAndStream(ToolCallFormat.LATHE_PLAIN, true, text))
        .isEqualTo(
            new ToolCallOutput(
                "Checking.",
                List.of(
                    call(0, "get_weather", "{\"city\": \"São Paulo\"}"),
                    call(1, "get_time", "{}"))));
    // cut off: invalid JSON returned as written; a call with no arguments gets {}
    assertThat(parseAndStream(ToolCallFormat.LATHE_PLAIN, true, "<call> f $o\"a\": 1").calls())
        .containsExactly(call(0, "f", "{\"a\": 1"));
    assertThat(parseAndStream(ToolCallFormat.LATHE_PLAIN, true, "  <call> now").calls())
        .containsExactly(call(0, "now", "{}"));
    // the marker counts only at the start of a line
    String prose = "I say <call> f $o$c mid-line\nand <call";
    assertThat(parseAndStream(ToolCallFormat.LATHE_PLAIN, true, prose))
        .isEqualTo(new ToolCallOutput(prose, List.of()));
  }

  @Test
  void plainRoundTripsRandomArgumentsThroughEscaping() {
    SplittableRandom random = new SplittableRandom(7);
    String alphabet = "ab {}[]\":,\\$u\né|0";
    for (int n = 0; n < 200; n++) {
      StringBuilder arguments = new StringBuilder();
      for (int i = random.nextInt(12); i > 0; i--) {
        arguments.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String json = "{" + arguments + "}";
      String text = "<call> f " + PlainToolText.escape(json);
      assertThat(
              new ToolCallParser(ToolCallFormat.LATHE_PLAIN, true, StreamCheck.counter())
                  .parse(text)
                  .calls())
          .containsExactly(call(0, "f", json));
    }
  }

  @Test
  void forcedCallPrefixAndSuffixParseBackInEveryFormat() {
    String arguments = "{\"city\": \"Paris\", \"days\": [1, 2]}";
    for (ToolCallFormat format : ToolCallFormat.values()) {
      CallSyntax syntax = format.syntax();
      String written = syntax.argumentsEscaped() ? PlainToolText.escape(arguments) : arguments;
      String text = syntax.prefix("get_weather") + written + syntax.suffix();
      assertThat(parseAndStream(format, true, text))
          .as(format.name())
          .isEqualTo(new ToolCallOutput(null, List.of(call(0, "get_weather", arguments))));
    }
  }

  @Test
  void streamedDeltasHaveOpenAisShape() {
    ToolCallStream stream =
        new ToolCallParser(ToolCallFormat.HERMES, true, StreamCheck.counter()).stream();
    assertThat(stream.push("Hi <tool")).containsExactly(new ToolCallDelta.Content("Hi"));
    assertThat(stream.push("_call>\n{\"name\": \"f")).isEmpty();
    // the call begins as soon as its name is complete, before its arguments
    assertThat(stream.push("\", ")).containsExactly(new ToolCallDelta.Start(0, "call_0", "f"));
    assertThat(stream.push("\"arguments\": {\"a\""))
        .containsExactly(new ToolCallDelta.Arguments(0, "{\"a\""));
    assertThat(stream.push(": 1}}\n</tool_call>"))
        .containsExactly(new ToolCallDelta.Arguments(0, ": 1}"));
    assertThat(stream.finish()).isEmpty();
    assertThat(stream.output())
        .isEqualTo(new ToolCallOutput("Hi", List.of(call(0, "f", "{\"a\": 1}"))));
  }

  @Test
  void idsComeFromTheInjectedRandomness() {
    var ids = ToolCallIds.from(new SplittableRandom(1));
    var again = ToolCallIds.from(new SplittableRandom(1));
    String id = ids.get();
    assertThat(id).matches("call_[A-Za-z0-9]{24}").isEqualTo(again.get());
    assertThat(ids.get()).isNotEqualTo(id);
  }
}
