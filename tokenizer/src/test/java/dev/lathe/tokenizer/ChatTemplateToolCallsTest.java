package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.tools.ToolCall;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.tokenizer.tools.ToolCallOutput;
import dev.lathe.tokenizer.tools.ToolCallParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tool calls through real templates: the Qwen3 template renders OpenAI-shaped calls (arguments as
 * JSON strings, two calls in one turn, content before them) and a follow-up turn with two tool
 * results; the text it renders for an assistant turn parses back into the same calls; formats are
 * recognized from template sources.
 */
class ChatTemplateToolCallsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String TOOLS =
      "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\":"
          + " {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";

  static final List<Map<String, Object>> CALLS;

  static {
    try {
      CALLS =
          JSON.readValue(
              "[{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\":"
                  + " \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}},"
                  + " {\"id\": \"call_2\", \"type\": \"function\", \"function\": {\"name\":"
                  + " \"get_time\", \"arguments\": \"{\\\"zone\\\": \\\"CET\\\"}\"}}]",
              new TypeReference<>() {});
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static final List<ChatMessage> CONVERSATION =
      List.of(
          ChatMessage.user("Weather and time in Paris?"),
          new ChatMessage("assistant", "Let me check.", null, CALLS, null),
          new ChatMessage("tool", "18C", null, List.of(), "call_1"),
          new ChatMessage("tool", "9:00", null, List.of(), "call_2"),
          ChatMessage.assistant("18C at 9:00."));

  @Test
  void qwen3RendersParallelCallsAndAFollowUpWithTwoToolResults() throws Exception {
    ChatTemplate qwen = ChatTemplate.of(SharedTokenizers.qwen3()).orElseThrow();
    List<Map<String, Object>> tools = JSON.readValue(TOOLS, new TypeReference<>() {});
    // last_query_index = 0 (the only user message). Assistant #1 is not loop.last and has no
    // reasoning, so no think block; content, then '\n' before the first call (content is set) and
    // before the second (not loop.first); string arguments are written as they are. The first
    // tool opens '<|im_start|>user' (previous is not a tool), the second closes it (next is not a
    // tool). The final assistant is loop.last after the query: it gets the empty think block.
    String expected =
        "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user"
            + " query.\n\nYou are provided with function signatures within <tools></tools> XML"
            + " tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\":"
            + " {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}"
            + "\n</tools>\n\nFor each function call, return a json object with function name and"
            + " arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\":"
            + " <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWeather and time in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\nLet me check.\n"
            + "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
            + "</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n"
            + "</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n18C\n</tool_response>\n"
            + "<tool_response>\n9:00\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\n18C at 9:00.<|im_end|>\n";
    assertThat(qwen.render(CONVERSATION, tools, false, Map.of())).isEqualTo(expected);
    // the follow-up request (history with the results) ends with the assistant header
    assertThat(qwen.render(CONVERSATION.subList(0, 4), tools, true, Map.of()))
        .endsWith("9:00\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void whatATemplateRendersForACallTurnParsesBackIntoTheCalls() throws Exception {
    List<Map<String, Object>> tools = JSON.readValue(TOOLS, new TypeReference<>() {});
    for (ChatTemplate template :
        List.of(
            ChatTemplate.of(SharedTokenizers.qwen3()).orElseThrow(),
            ChatTemplate.orPlain(SharedTokenizers.tinyStories()))) {
      ToolCallFormat format = ToolCallFormat.of(template).orElseThrow();
      List<ChatMessage> history = CONVERSATION.subList(0, 1);
      String prompt = template.render(history, tools, true, Map.of());
      String all = template.render(CONVERSATION.subList(0, 2), tools, false, Map.of());
      String end = format == ToolCallFormat.HERMES ? "<|im_end|>\n" : "<|end_story|>";
      assertThat(all).startsWith(prompt).endsWith(end);
      String turn = all.substring(prompt.length(), all.length() - end.length());
      List<String> ids = List.of("call_1", "call_2");
      int[] next = {0};
      ToolCallOutput output =
          new ToolCallParser(format, true, () -> ids.get(next[0]++)).parse(turn);
      // Qwen3 writes the final turn with its (empty) think block: the parser leaves reasoning in
      // the content; splitting it off is a reasoning parser's job, not the tool parser's.
      String content =
          format == ToolCallFormat.HERMES
              ? "<think>\n\n</think>\n\nLet me check."
              : "Let me check.";
      assertThat(output)
          .as(format.name())
          .isEqualTo(
              new ToolCallOutput(
                  content,
                  List.of(
                      new ToolCall("call_1", "get_weather", "{\"city\": \"Paris\"}"),
                      new ToolCall("call_2", "get_time", "{\"zone\": \"CET\"}"))));
    }
  }

  @Test
  void formatsAreRecognizedFromTheTemplateSource() {
    assertThat(ToolCallFormat.of(ChatTemplate.of(SharedTokenizers.qwen3()).orElseThrow()))
        .contains(ToolCallFormat.HERMES);
    assertThat(ToolCallFormat.of(ChatTemplate.plain("</s>"))).contains(ToolCallFormat.LATHE_PLAIN);
    // Llama 3's first release has no tool calling
    assertThat(ToolCallFormat.of(ChatTemplate.of(SharedTokenizers.llama3()).orElseThrow()))
        .isEmpty();
    // sources reduced to the construct each family's template writes its calls with
    assertThat(
            ToolCallFormat.of(
                ChatTemplate.of(
                    "llama31", "{{ '<|python_tag|>' + m.function.name }}", null, "<|eot_id|>")))
        .contains(ToolCallFormat.LLAMA3_JSON);
    assertThat(
            ToolCallFormat.of(
                ChatTemplate.of("mistral", "{{ '[TOOL_CALLS] [' }}{{ ']' }}", null, "</s>")))
        .contains(ToolCallFormat.MISTRAL);
  }
}
