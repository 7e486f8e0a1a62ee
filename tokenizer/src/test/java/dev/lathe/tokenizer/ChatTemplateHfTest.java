package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Llama-3 and Qwen3 (ChatML) templates of the shared tokenizers, rendered as Hugging Face's
 * apply_chat_template renders them. Each expected string was written by executing the template by
 * hand, statement by statement, with Jinja's trim_blocks/lstrip_blocks and "-" whitespace control;
 * the comments give the decisive steps. (The strings were also checked once against Python Jinja
 * 3.1 configured as Hugging Face configures it; that check is not part of the build.)
 */
class ChatTemplateHfTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HfTokenizer llama3;
  private static HfTokenizer qwen;

  @BeforeAll
  static void load() {
    llama3 = SharedTokenizers.llama3();
    qwen = SharedTokenizers.qwen3();
  }

  private static final List<ChatMessage> CONVERSATION =
      List.of(
          ChatMessage.system("Be brief."),
          ChatMessage.user("  Hi  "),
          ChatMessage.assistant("Hello!"),
          ChatMessage.user("Bye"));

  @Test
  void llama3TrimsContentAndAlwaysAppendsTheAssistantHeader() {
    ChatTemplate template = ChatTemplate.of(llama3).orElseThrow();
    // Per message: '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + (content|trim) +
    // '<|eot_id|>' ('|' binds tighter than '+'); bos_token is prepended to the first one. This
    // first-release template appends the assistant header unconditionally (it never reads
    // add_generation_prompt).
    String expected =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n";
    assertThat(template.render(CONVERSATION, true)).isEqualTo(expected);
    assertThat(template.render(CONVERSATION, false)).isEqualTo(expected);
  }

  @Test
  void qwenChatMlWithGenerationPrompt() {
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    // No tools: the system message is written first. ns.last_query_index = 3 (the last user
    // message), so the assistant at index 2 takes the plain branch: no <think> block. Content is
    // not trimmed. add_generation_prompt appends '<|im_start|>assistant\n' (enable_thinking is
    // undefined, so no empty think block).
    String expected =
        "<|im_start|>system\nBe brief.<|im_end|>\n"
            + "<|im_start|>user\n  Hi  <|im_end|>\n"
            + "<|im_start|>assistant\nHello!<|im_end|>\n"
            + "<|im_start|>user\nBye<|im_end|>\n"
            + "<|im_start|>assistant\n";
    assertThat(template.render(CONVERSATION, true)).isEqualTo(expected);
    assertThat(template.render(CONVERSATION, false))
        .isEqualTo(expected.substring(0, expected.length() - "<|im_start|>assistant\n".length()));
  }

  @Test
  void qwenFinalAssistantTurnGetsThinkBlock() {
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    // The final assistant message comes after the last user query and is loop.last, so it is
    // written with '<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n'; here reasoning
    // is split out of the content: split('</think>')[-1].lstrip('\n') is the answer and
    // split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') the reasoning.
    List<ChatMessage> plain = List.of(ChatMessage.user("2+2?"), ChatMessage.assistant("4"));
    assertThat(template.render(plain, false))
        .isEqualTo(
            "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n4<|im_end|>\n");
    List<ChatMessage> withReasoning =
        List.of(
            ChatMessage.user("2+2?"),
            ChatMessage.assistant("<think>\nadd them\n</think>\n\nIt is 4."));
    assertThat(template.render(withReasoning, false))
        .isEqualTo(
            "<|im_start|>user\n2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\nadd them\n</think>\n\nIt is 4.<|im_end|>\n");
  }

  @Test
  void qwenToolsToolCallsAndToolResponses() throws Exception {
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    List<Map<String, Object>> tools =
        JSON.readValue(
            "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
                + " \"Weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
                + " {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}]",
            new TypeReference<>() {});
    List<Map<String, Object>> calls =
        JSON.readValue(
            "[{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\":"
                + " \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]",
            new TypeReference<>() {});
    List<ChatMessage> messages =
        List.of(
            ChatMessage.user("Weather in Paris?"),
            new ChatMessage("assistant", "", null, calls, null),
            new ChatMessage("tool", "18C", null, List.of(), "call_1"),
            ChatMessage.assistant("It is 18C."));
    // tools: a system block listing each tool as tojson (Python separators ", " and ": ").
    // last_query_index = 0. Assistant #1: empty content, so no '\n' before <tool_call>; the
    // arguments are a mapping, hence tojson. The tool message opens '<|im_start|>user' because
    // the previous message is not a tool, and closes it because the next one is not either.
    String expected =
        "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user"
            + " query.\n\nYou are provided with function signatures within <tools></tools> XML"
            + " tags:\n<tools>\n"
            + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
            + " \"Weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\":"
            + " {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}"
            + "\n</tools>\n\nFor each function call, return a json object with function name and"
            + " arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\":"
            + " <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
            + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\":"
            + " {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\n18C\n</tool_response><|im_end|>\n"
            + "<|im_start|>assistant\n<think>\n\n</think>\n\nIt is 18C.<|im_end|>\n";
    assertThat(template.render(messages, tools, false, Map.of())).isEqualTo(expected);
  }

  @Test
  void qwenEnableThinkingFalseAddsEmptyThinkBlockToThePrompt() {
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    String out =
        template.render(
            List.of(ChatMessage.user("Hi")), List.of(), true, Map.of("enable_thinking", false));
    assertThat(out)
        .isEqualTo(
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  }

  @Test
  void errorsNameTheTemplateLineDespiteWhitespaceControl() {
    // Break one line of the real Qwen3 template (full of "{%-" and "{{-"), whose line numbers
    // jinjava reports shifted; the error must still name the broken line.
    String source = ChatTemplate.of(qwen).orElseThrow().source();
    String broken = source.replace("content.lstrip('\\n') }}", "content.zfill(3) }}");
    assertThat(broken).isNotEqualTo(source);
    String[] lines = broken.split("\n", -1);
    int expectedLine = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains("zfill")) {
        expectedLine = i + 1;
      }
    }
    ChatTemplate template = ChatTemplate.of("qwen3-broken", broken, null, "<|im_end|>");
    Throwable error =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                template.render(
                    List.of(ChatMessage.user("2+2?"), ChatMessage.assistant("4")), false));
    assertThat(error)
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("line " + expectedLine + " ")
        .hasMessageContaining("str.zfill() is not supported");
    assertThat(((ChatTemplateException) error).line()).isEqualTo(expectedLine);
  }

  @Test
  void renderedChatTokenizesWithSingleSpecialTokens() {
    ChatTemplate template = ChatTemplate.of(qwen).orElseThrow();
    String text = template.render(List.of(ChatMessage.user("Hi")), true);
    int[] ids = qwen.encodeWithSpecials(text, false);
    assertThat(ids).startsWith(151644).contains(151645);
    assertThat(qwen.decode(ids)).isEqualTo(text);
  }
}
