package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every conversation of the real shared datasets renders with located spans, for each template. */
class RenderedChatDatasetsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Example(List<ChatMessage> messages, List<Map<String, Object>> tools) {}

  @SuppressWarnings("unchecked")
  private static List<Example> read(String file) throws IOException {
    List<Example> examples = new ArrayList<>();
    for (String line : Files.readAllLines(SharedAssets.require("datasets/real/" + file))) {
      if (line.isBlank()) {
        continue;
      }
      Map<String, Object> json = JSON.readValue(line, new TypeReference<>() {});
      List<ChatMessage> messages = new ArrayList<>();
      for (Object m : (List<Object>) json.get("messages")) {
        messages.add(ChatMessage.fromMap((Map<String, Object>) m));
      }
      List<Map<String, Object>> tools =
          (List<Map<String, Object>>) json.getOrDefault("tools", List.of());
      examples.add(new Example(messages, tools));
    }
    return examples;
  }

  private static HfTokenizer tokenizer(String name) {
    return switch (name) {
      case "llama3" -> SharedTokenizers.llama3();
      case "qwen3" -> SharedTokenizers.qwen3();
      default -> SharedTokenizers.tinyStories();
    };
  }

  @ParameterizedTest
  @CsvSource({
    "llama3, gsm8k-chat_validation.jsonl",
    "qwen3, gsm8k-chat_validation.jsonl",
    "tiny, gsm8k-chat_validation.jsonl",
    "llama3, toolcall-stock_validation.jsonl",
    "qwen3, toolcall-stock_validation.jsonl",
    "qwen3, limericks-training-data.jsonl",
    "tiny, toy_chat_fine_tuning.jsonl"
  })
  void everyAssistantTurnHasASpanEndingInAnEndOfTurnToken(String model, String file)
      throws IOException {
    HfTokenizer tokenizer = tokenizer(model);
    ChatTemplate template = ChatTemplate.orPlain(tokenizer);
    for (Example example : read(file)) {
      RenderedChat chat =
          RenderedChat.render(template, tokenizer, example.messages(), example.tools(), Map.of());
      long assistants =
          example.messages().stream().filter(m -> m.role().equals("assistant")).count();
      assertThat(chat.spans()).hasSize((int) assistants);
      for (RenderedChat.AssistantSpan span : chat.spans()) {
        ChatMessage message = example.messages().get(span.messageIndex());
        String text = chat.spanText(span);
        int[] ids = Arrays.copyOfRange(chat.ids(), span.tokenStart(), span.tokenEnd());
        assertThat(Arrays.stream(tokenizer.eosTokenIds()).anyMatch(e -> e == ids[ids.length - 1]))
            .as("last span token of %s is an end-of-turn id", text)
            .isTrue();
        assertThat(text).contains(message.text().strip());
        int unk = tokenizer.tokenId("<unk>").orElse(-1);
        if (Arrays.stream(ids).noneMatch(id -> id == unk)) {
          // TinyStories' 2048 pieces lack "*", "=" and "#": those become <unk> and cannot decode.
          // Its decoder also drops the leading "▁" of a sequence, hence strip().
          assertThat(tokenizer.decode(ids).strip()).isEqualTo(text.strip());
        }
      }
    }
  }
}
