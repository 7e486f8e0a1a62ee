package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.OpenAiEncoding;
import dev.lathe.tokenizer.OpenAiTokenizer;
import org.junit.jupiter.api.Test;

class TokenCounterTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TokenCounter CL100K =
      new TokenCounter(OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE));
  private static final TokenCounter O200K =
      new TokenCounter(OpenAiTokenizer.of(OpenAiEncoding.O200K_BASE));

  /** The six messages of the cookbook's "How to count tokens with tiktoken" notebook. */
  private static final String COOKBOOK_MESSAGES =
      """
      {"messages": [
        {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
        {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
        {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
        {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
        {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
        {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
      ]}
      """;

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void matchesThePromptTokensTheApiReportedInTheCookbook() throws Exception {
    // The notebook prints 129 for gpt-3.5-turbo / gpt-4 and 124 for gpt-4o / gpt-4o-mini, equal
    // to the API's usage.prompt_tokens.
    JsonNode example = json(COOKBOOK_MESSAGES);
    assertThat(CL100K.count(DatasetFormat.CHAT, example).tokens()).isEqualTo(129);
    assertThat(O200K.count(DatasetFormat.CHAT, example).tokens()).isEqualTo(124);
    ExampleTokenCount count = CL100K.count(null, example);
    assertThat(count.messages()).isEqualTo(6);
    assertThat(count.hasSystem()).isTrue();
    assertThat(count.hasUser()).isTrue();
    assertThat(count.assistantTokens()).isZero();
  }

  @Test
  void nonStringValuesCountAsTheirCompactJson() throws Exception {
    OpenAiTokenizer tok = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);
    String toolCalls =
        "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]";
    JsonNode example =
        json(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                + toolCalls
                + "},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"ok\"},"
                + "{\"role\":\"assistant\",\"content\":\"done\",\"weight\":0}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}");
    long expected =
        4 * 3
            + 3
            + tok.countTokens("user")
            + tok.countTokens("hi")
            + tok.countTokens("assistant")
            + tok.countTokens(toolCalls)
            + tok.countTokens("tool")
            + tok.countTokens("call_1")
            + tok.countTokens("ok")
            + tok.countTokens("assistant")
            + tok.countTokens("done")
            + tok.countTokens("0")
            + tok.countTokens("[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]");
    ExampleTokenCount count = CL100K.count(DatasetFormat.CHAT, example);
    assertThat(count.tokens()).isEqualTo(expected);
    assertThat(count.assistantTokens())
        .isEqualTo(tok.countTokens(toolCalls) + tok.countTokens("done"));
    assertThat(count.trainedTokens()).isEqualTo(tok.countTokens(toolCalls));
    assertThat(count.hasSystem()).isFalse();
  }

  @Test
  void preferenceAndCompletionFormats() throws Exception {
    OpenAiTokenizer tok = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);
    JsonNode dpo =
        json(
            "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Cold?\"}]},"
                + "\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"Mild, 68F.\"}],"
                + "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"No.\"}]}");
    ExampleTokenCount preference = CL100K.count(null, dpo);
    long outputs = tok.countTokens("Mild, 68F.") + tok.countTokens("No.");
    assertThat(preference.messages()).isEqualTo(3);
    assertThat(preference.tokens())
        .isEqualTo(
            3 * 3
                + 3
                + tok.countTokens("user")
                + tok.countTokens("Cold?")
                + 2 * tok.countTokens("assistant")
                + outputs);
    assertThat(preference.assistantTokens()).isEqualTo(outputs);
    assertThat(preference.trainedTokens()).isEqualTo(outputs);

    JsonNode legacy = json("{\"prompt\":\"2+2 ->\",\"completion\":\" 4\\n\"}");
    ExampleTokenCount completion = CL100K.count(DatasetFormat.PROMPT_COMPLETION, legacy);
    assertThat(completion.hasMessages()).isFalse();
    assertThat(completion.tokens()).isEqualTo(tok.countTokens("2+2 ->") + tok.countTokens(" 4\n"));
    assertThat(completion.assistantTokens()).isEqualTo(tok.countTokens(" 4\n"));
    assertThat(CL100K.count(null, legacy)).isEqualTo(completion);
  }

  @Test
  void rememberedSystemPromptsAndToolsCountTheSameEveryTime() throws Exception {
    OpenAiTokenizer tok = OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE);
    TokenCounter counter = new TokenCounter(tok);
    String system = "You are a helpful assistant. ".repeat(20);
    String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}]";
    JsonNode example =
        json(
            "{\"messages\":[{\"role\":\"system\",\"content\":\""
                + system
                + "\"},{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"hello\"}],\"tools\":"
                + tools
                + "}");
    long expected =
        3 * 3
            + 3
            + tok.countTokens("system")
            + tok.countTokens(system)
            + tok.countTokens("user")
            + tok.countTokens("hi")
            + tok.countTokens("assistant")
            + tok.countTokens("hello")
            + tok.countTokens(tools);
    ExampleTokenCount first = counter.count(DatasetFormat.CHAT, example);
    ExampleTokenCount second = counter.count(DatasetFormat.CHAT, example);
    assertThat(first.tokens()).isEqualTo(expected);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void malformedExamplesDoNotThrow() throws Exception {
    assertThat(CL100K.count(DatasetFormat.CHAT, json("{\"messages\": 3}")).tokens()).isEqualTo(3);
    assertThat(CL100K.count(DatasetFormat.CHAT, json("{\"messages\": [7]}")).messages())
        .isEqualTo(1);
    assertThat(CL100K.count(DatasetFormat.PREFERENCE, json("{\"input\": []}")).tokens())
        .isEqualTo(3);
  }
}
