package dev.lathe.tokenizer.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.ChatMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request checks a server maps to 400s, and how {@code tool_choice} is read. */
class ToolRequestCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  static final String TOOLS =
      "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\":"
          + " {\"type\": \"object\"}}}]";

  @Test
  void aValidRequestHasNoProblems() throws Exception {
    List<ChatMessage> messages =
        List.of(
            ChatMessage.user("Weather?"),
            new ChatMessage(
                "assistant",
                null,
                null,
                List.of(Map.of("id", "call_1", "type", "function", "function", Map.of())),
                null),
            new ChatMessage("tool", "18C", null, List.of(), "call_1"));
    assertThat(
            ToolRequestCheck.problems(
                json(TOOLS),
                json("{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}"),
                json("false"),
                messages))
        .isEmpty();
    assertThat(ToolRequestCheck.problems(null, null, null, List.of(ChatMessage.user("Hi"))))
        .isEmpty();
  }

  @Test
  void everyProblemIsReportedWithItsField() throws Exception {
    JsonNode tools =
        json(
            "[{\"type\": \"function\", \"function\": {\"name\": \"ok\"}},"
                + " {\"type\": \"function\", \"function\": {\"description\": \"no name\"}},"
                + " {\"type\": \"retrieval\", \"function\": {\"name\": \"has space\"}},"
                + " {\"type\": \"function\", \"function\": {\"name\": \"ok\", \"parameters\": 3}}]");
    List<ChatMessage> messages =
        List.of(
            ChatMessage.user("Hi"),
            new ChatMessage("tool", "x", null, List.of(), "call_9"),
            new ChatMessage("tool", "y", null, List.of(), null));
    List<ToolProblem> problems =
        ToolRequestCheck.problems(
            tools,
            json("{\"type\": \"function\", \"function\": {\"name\": \"missing\"}}"),
            json("\"yes\""),
            messages);
    assertThat(problems)
        .extracting(ToolProblem::param)
        .containsExactly(
            "tools[1].function.name",
            "tools[2].type",
            "tools[2].function.name",
            "tools[3].function.name",
            "tools[3].function.parameters",
            "tool_choice.function.name",
            "parallel_tool_calls",
            "messages[1].tool_call_id",
            "messages[2].tool_call_id");
    assertThat(problems.get(0).message()).contains("tools[1].function.name must be 1 to 64");
    assertThat(problems.get(3).message()).contains("'ok' is defined twice");
    assertThat(problems.get(5).message())
        .isEqualTo(
            "tool_choice names the function 'missing', which is not in tools (they define ok)");
    assertThat(problems.get(7).message()).contains("'call_9' matches no tool call");
  }

  @Test
  void toolChoiceNeedsToolsToForceAndKnownValues() throws Exception {
    assertThat(ToolRequestCheck.problems(null, json("\"required\""), null, List.of()))
        .containsExactly(
            new ToolProblem(
                "tool_choice",
                "tool_choice 'required' needs tools: give the functions in 'tools'"));
    assertThat(ToolRequestCheck.problems(json(TOOLS), json("\"sometimes\""), null, List.of()))
        .extracting(ToolProblem::param)
        .containsExactly("tool_choice");
    assertThat(ToolRequestCheck.problems(json("{}"), null, null, List.of()))
        .extracting(ToolProblem::param)
        .containsExactly("tools");
  }

  @Test
  void toolChoiceDefaultsAndMeanings() throws Exception {
    assertThat(ToolChoice.read(null, true)).isEqualTo(new ToolChoice.Auto());
    assertThat(ToolChoice.read(null, false)).isEqualTo(new ToolChoice.None());
    assertThat(ToolChoice.read(json("\"none\""), true).parsesOutput()).isFalse();
    assertThat(ToolChoice.read(json("\"auto\""), true).forcesCall()).isFalse();
    assertThat(ToolChoice.read(json("\"required\""), true).forcesCall()).isTrue();
    ToolChoice named =
        ToolChoice.read(json("{\"type\": \"function\", \"function\": {\"name\": \"f\"}}"), true);
    assertThat(named.functionName()).contains("f");
    assertThat(named.parsesOutput()).isTrue();
    assertThatThrownBy(() -> ToolChoice.read(json("{\"type\": \"function\"}"), true))
        .hasMessageStartingWith("tool_choice: expected {\"type\": \"function\"");
  }
}
