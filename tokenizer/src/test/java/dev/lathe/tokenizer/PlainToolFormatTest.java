package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lathe's own tool format in the plain template ({@link ChatTemplate#PLAIN_SOURCE}): tools as
 * {@code <tool>} lines, calls as {@code <call>} lines with escaped JSON ({@link PlainToolText}),
 * and that the text a model must generate round-trips through the TinyStories and GPT-2 tokenizers.
 */
class PlainToolFormatTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ChatTemplate PLAIN = ChatTemplate.plain("<|end_story|>");

  static List<Map<String, Object>> json(String text) throws Exception {
    return JSON.readValue(text, new TypeReference<>() {});
  }

  static final String WEATHER_TOOL =
      "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
          + " \"Weather (now)\", \"parameters\": {\"type\": \"object\", \"properties\":"
          + " {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}]";

  @Test
  void toolsFollowTheSystemMessageAndCallsAreEscapedLines() throws Exception {
    List<Map<String, Object>> calls =
        json(
            "[{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                + " \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}},"
                + " {\"id\": \"call_2\", \"type\": \"function\", \"function\": {\"name\": \"get_time\","
                + " \"arguments\": {\"zone\": \"CET\", \"list\": [1, 2]}}}]");
    List<ChatMessage> messages =
        List.of(
            ChatMessage.system("Be brief."),
            ChatMessage.user("Weather and time in Paris?"),
            new ChatMessage("assistant", "Checking.", null, calls, null),
            new ChatMessage("tool", "18C", null, List.of(), "call_1"),
            new ChatMessage("tool", "9:00", null, List.of(), "call_2"),
            ChatMessage.assistant("18C at 9:00."));
    // The description's parentheses are outside the safe set: $u0028 and $u0029. The second call's
    // arguments are a mapping, written with tojson (Python separators) before escaping.
    assertThat(PLAIN.render(messages, json(WEATHER_TOOL), true, Map.of()))
        .isEqualTo(
            "System: Be brief.\n"
                + "<tool> get_weather $o\"type\": \"object\", \"properties\": $o\"city\": $o\"type\":"
                + " \"string\"$c$c, \"required\": $l\"city\"$r$c Weather $u0028now$u0029\n"
                + "User: Weather and time in Paris?\n"
                + "Assistant: Checking.\n"
                + "<call> get_weather $o\"city\": \"Paris\"$c\n"
                + "<call> get_time $o\"zone\": \"CET\", \"list\": $l1, 2$r$c<|end_story|>"
                + "Tool: 18C\nTool: 9:00\n"
                + "Assistant: 18C at 9:00.<|end_story|>"
                + "Assistant: ");
  }

  @Test
  void aCallWithoutContentStartsRightAfterTheHeaderAndToolsComeFirstWithoutSystem()
      throws Exception {
    List<Map<String, Object>> calls =
        json(
            "[{\"type\": \"function\", \"function\": {\"name\": \"now\", \"arguments\": \"{}\"}}]");
    List<Map<String, Object>> tools =
        json("[{\"type\": \"function\", \"function\": {\"name\": \"now\"}}]");
    List<ChatMessage> messages =
        List.of(ChatMessage.user("Time?"), new ChatMessage("assistant", null, null, calls, null));
    assertThat(PLAIN.render(messages, tools, false, Map.of()))
        .isEqualTo("<tool> now $o$c\nUser: Time?\nAssistant: <call> now $o$c<|end_story|>");
  }

  @Test
  void escapingRoundTripsAndUnknownEscapesStayAsWritten() {
    String text = "{\"q\": \"a\\\"b\\\\c\", \"$\": [1, {}], \"é\": \"x|y\\n(z)\", \"n\": \"\n\"}";
    String escaped = PlainToolText.escape(text);
    assertThat(escaped.chars().allMatch(c -> PlainToolText.safe((char) c) || c == '$')).isTrue();
    assertThat(PlainToolText.unescape(escaped)).isEqualTo(text);
    assertThat(PlainToolText.unescape("$x $u12 $uzzzz end$")).isEqualTo("$x $u12 $uzzzz end$");
    assertThat(PlainToolText.completeLength("ab$")).isEqualTo(2);
    assertThat(PlainToolText.completeLength("ab$u00")).isEqualTo(2);
    assertThat(PlainToolText.completeLength("ab$$")).isEqualTo(4);
    assertThat(PlainToolText.completeLength("ab$$$")).isEqualTo(4);
    assertThat(PlainToolText.completeLength("ab$u00e9")).isEqualTo(8);
    assertThat(PlainToolText.completeLength("ab$o")).isEqualTo(4);
  }

  @Test
  void everyAssistantTurnOfTheToolCallDatasetRoundTripsThroughTinyStoriesAndGpt2()
      throws Exception {
    var dataset = dev.lathe.testkit.SharedAssets.require("datasets/real");
    List<String> turns = new ArrayList<>();
    for (String line :
        Files.readAllLines(dataset.resolve("toolcall-stock_validation.jsonl")).stream()
            .filter(l -> !l.isBlank())
            .toList()) {
      Map<String, Object> example = JSON.readValue(line, new TypeReference<>() {});
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> messages = (List<Map<String, Object>>) example.get("messages");
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> tools = (List<Map<String, Object>>) example.get("tools");
      List<ChatMessage> chat = messages.stream().map(ChatMessage::fromMap).toList();
      String prompt = PLAIN.render(chat.subList(0, chat.size() - 1), tools, true, Map.of());
      String all = PLAIN.render(chat, tools, false, Map.of());
      assertThat(all).startsWith(prompt);
      turns.add(all.substring(prompt.length()));
    }
    assertThat(turns).anySatisfy(t -> assertThat(t).startsWith("<call> get_current_stock_price"));
    for (HfTokenizer tokenizer : List.of(SharedTokenizers.tinyStories(), SharedTokenizers.gpt2())) {
      for (String turn : turns) {
        String generated = turn.replace("<|end_story|>", "");
        assertThat(tokenizer.decode(tokenizer.encodeChat(generated).ids()))
            .as("%s on %s", generated, tokenizer.source())
            .isEqualTo(generated);
      }
    }
  }
}
