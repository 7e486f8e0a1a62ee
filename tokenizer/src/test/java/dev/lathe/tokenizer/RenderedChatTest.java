package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RenderedChatTest {
  private static HfTokenizer llama3;
  private static HfTokenizer qwen;

  @BeforeAll
  static void load() {
    llama3 = SharedTokenizers.llama3();
    qwen = SharedTokenizers.qwen3();
  }

  private static final List<ChatMessage> TWO_TURNS =
      List.of(
          ChatMessage.system("Be brief."),
          ChatMessage.user("Hi"),
          ChatMessage.assistant("Hello!"),
          ChatMessage.user("Bye"),
          ChatMessage.assistant("  Bye now.  "));

  private static int[] concat(int[] a, int... b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int[] tokensOf(RenderedChat chat, RenderedChat.AssistantSpan span) {
    return Arrays.copyOfRange(chat.ids(), span.tokenStart(), span.tokenEnd());
  }

  @Test
  void llama3SpansCoverTrimmedContentAndEotId() {
    RenderedChat chat =
        RenderedChat.render(ChatTemplate.of(llama3).orElseThrow(), llama3, TWO_TURNS);
    assertThat(chat.spans()).hasSize(2);
    RenderedChat.AssistantSpan first = chat.spans().get(0);
    RenderedChat.AssistantSpan second = chat.spans().get(1);
    assertThat(first.messageIndex()).isEqualTo(2);
    assertThat(chat.spanText(first)).isEqualTo("Hello!<|eot_id|>");
    // The template trims content: the span is the trimmed text the model sees.
    assertThat(chat.spanText(second)).isEqualTo("Bye now.<|eot_id|>");
    assertThat(tokensOf(chat, first)).isEqualTo(concat(llama3.encode("Hello!"), 128009));
    assertThat(tokensOf(chat, second)).isEqualTo(concat(llama3.encode("Bye now."), 128009));
    // The text before the first span is context: it ends with the assistant header.
    assertThat(chat.text().substring(0, first.charStart()))
        .endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n");
    assertThat(chat.ids()).isEqualTo(llama3.encodeWithSpecials(chat.text(), false));
    boolean[] trained = chat.trainedTokens();
    int count = 0;
    for (boolean t : trained) {
      count += t ? 1 : 0;
    }
    assertThat(count).isEqualTo(tokensOf(chat, first).length + tokensOf(chat, second).length);
    assertThat(trained[0]).isFalse();
  }

  @Test
  void chatMlSpansCoverContentAndImEndButNotTheThinkBlock() {
    RenderedChat chat = RenderedChat.render(ChatTemplate.of(qwen).orElseThrow(), qwen, TWO_TURNS);
    assertThat(chat.spans()).hasSize(2);
    assertThat(chat.spanText(chat.spans().get(0))).isEqualTo("Hello!<|im_end|>");
    // Qwen does not trim; the template's empty think block before the last answer is context.
    assertThat(chat.spanText(chat.spans().get(1))).isEqualTo("  Bye now.  <|im_end|>");
    assertThat(chat.text().substring(0, chat.spans().get(1).charStart()))
        .endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
    assertThat(tokensOf(chat, chat.spans().get(0)))
        .isEqualTo(concat(qwen.encode("Hello!"), 151645));
    assertThat(chat.ids()).isEqualTo(qwen.encodeWithSpecials(chat.text(), false));
  }

  @Test
  void toolCallTurnSpansStartAtTheGenerationPrompt() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<Map<String, Object>> calls =
        json.readValue(
            "[{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                + " \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]",
            new TypeReference<>() {});
    List<ChatMessage> messages =
        List.of(
            ChatMessage.user("Weather in Paris?"),
            new ChatMessage("assistant", null, null, calls, null),
            new ChatMessage("tool", "18C", null, List.of(), "c1"),
            ChatMessage.assistant("It is 18C."));
    RenderedChat chat = RenderedChat.render(ChatTemplate.of(qwen).orElseThrow(), qwen, messages);
    assertThat(chat.spans())
        .extracting(RenderedChat.AssistantSpan::messageIndex)
        .containsExactly(1, 3);
    // Arguments given as a JSON string are written verbatim.
    assertThat(chat.spanText(chat.spans().get(0)))
        .isEqualTo(
            "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
                + "</tool_call><|im_end|>");
    assertThat(chat.spanText(chat.spans().get(1))).isEqualTo("It is 18C.<|im_end|>");
  }

  @Test
  void contentTheTemplateRewritesIsLocatedByTheGenerationPrompt() {
    // Qwen splits "<think>...</think>" out of the content and rewrites it, so the marker render
    // cannot be aligned; the span then starts where the generation prompt for the turn ends.
    List<ChatMessage> messages =
        List.of(
            ChatMessage.user("2+2?"), ChatMessage.assistant("<think>\nadd\n</think>\n\nIt is 4."));
    RenderedChat chat = RenderedChat.render(ChatTemplate.of(qwen).orElseThrow(), qwen, messages);
    assertThat(chat.spans()).hasSize(1);
    assertThat(chat.spanText(chat.spans().get(0)))
        .isEqualTo("<think>\nadd\n</think>\n\nIt is 4.<|im_end|>");
    assertThat(chat.text().substring(0, chat.spans().get(0).charStart()))
        .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
  }

  @Test
  void templateWithoutEndOfTurnMarkerIsRejected() {
    ChatTemplate noEnd =
        ChatTemplate.of(
            "no-end", "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}", "", "");
    assertThatThrownBy(
            () ->
                RenderedChat.render(
                    noEnd, qwen, List.of(ChatMessage.user("a"), ChatMessage.assistant("b"))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("no end-of-turn marker")
        .hasMessageContaining("assistant message 1");
  }

  @Test
  void plainTemplateSpansEndWithTheEosToken() {
    {
      HfTokenizer tiny = SharedTokenizers.tinyStories();
      RenderedChat chat =
          RenderedChat.render(
              ChatTemplate.orPlain(tiny),
              tiny,
              List.of(
                  ChatMessage.user("Tell a story."), ChatMessage.assistant("Once upon a time.")));
      assertThat(chat.spans()).hasSize(1);
      RenderedChat.AssistantSpan span = chat.spans().get(0);
      assertThat(chat.spanText(span)).isEqualTo("Once upon a time.<|end_story|>");
      int[] spanIds = tokensOf(chat, span);
      assertThat(spanIds[spanIds.length - 1]).isEqualTo(2);
      assertThat(tiny.decode(spanIds)).isEqualTo("Once upon a time.<|end_story|>");
    }
  }
}
