package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.Generator;
import dev.lathe.inference.HubSettings;
import dev.lathe.inference.SamplingParams;
import dev.lathe.server.chat.RequestField;
import dev.lathe.server.chat.RequestFields;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No request field is silently ignored: every field Lathe refuses (of Chat Completions and legacy
 * Completions) is a 400 naming it, a field OpenAI's reference does not have is refused in OpenAI's
 * words, the accepted ones are checked and change nothing, and {@code logit_bias} really moves the
 * greedy choice of TinyStories-656K. The README's tables are the code's.
 */
class ChatRequestFieldsTest {
  private static final String USER = "Tell me about a cat.";

  @TempDir static Path dataDir;
  static TestServer server;
  static LatheHttp http;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    http = new LatheHttp(server, TestServer.KEY_A);
    client = server.client(TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static ObjectNode chat(String model) {
    ObjectNode body = LatheHttp.JSON.createObjectNode();
    body.put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", USER);
    body.put("temperature", 0);
    body.put("max_completion_tokens", 4);
    return body;
  }

  private static ObjectNode completion() {
    ObjectNode body = LatheHttp.JSON.createObjectNode();
    body.put("model", "stories260k");
    body.put("prompt", "Once upon a time");
    body.put("max_tokens", 2);
    return body;
  }

  /** A value of {@code field} that asks for something Lathe lacks. */
  private static JsonNode demanding(RequestField field) {
    return switch (field.name()) {
      case "best_of" -> LatheHttp.JSON.getNodeFactory().numberNode(2);
      case "modalities" -> LatheHttp.JSON.createArrayNode().add("text").add("audio");
      default -> LatheHttp.JSON.createObjectNode().put("type", "anything");
    };
  }

  @Test
  void everyRefusedFieldIsA400NamingItAndSayingWhatToDo() throws Exception {
    int refused = 0;
    for (var table : List.of(RequestFields.CHAT, RequestFields.COMPLETIONS)) {
      String path = table == RequestFields.CHAT ? "/chat/completions" : "/completions";
      for (RequestField field : table.fields()) {
        if (field.support() != RequestField.Support.REFUSED) {
          continue;
        }
        ObjectNode body = table == RequestFields.CHAT ? chat("stories260k") : completion();
        body.set(field.name(), demanding(field));
        LatheHttp.Reply r = http.post(path, body);
        assertThat(r.status()).as(field.name()).isEqualTo(400);
        assertThat(r.param()).isEqualTo(field.name());
        assertThat(r.message())
            .isEqualTo("'" + field.name() + "' is not supported by Lathe: " + field.note());
        // null is OpenAI's "not given"
        body.putNull(field.name());
        assertThat(http.post(path, body).status()).as(field.name() + ": null").isEqualTo(200);
        refused++;
      }
    }
    assertThat(refused).isGreaterThanOrEqualTo(11);
    LatheHttp.Reply functions =
        http.post(
            "/chat/completions",
            chat("stories260k").set("functions", LatheHttp.JSON.createArrayNode().addObject()));
    assertThat(functions.message()).contains("use `tools`");
  }

  @Test
  void fieldsOutsideTheReferenceAreUnrecognized() throws Exception {
    LatheHttp.Reply unknown = http.post("/chat/completions", chat("stories260k").put("top_k", 5));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.param()).isEqualTo("top_k");
    assertThat(unknown.message()).isEqualTo("Unrecognized request argument supplied: top_k");
    // legacy completions have no stored completions
    LatheHttp.Reply store = http.post("/completions", completion().put("store", true));
    assertThat(store.param()).isEqualTo("store");
    assertThat(store.message()).isEqualTo("Unrecognized request argument supplied: store");
    ObjectNode options = chat("stories260k").put("stream", true);
    options.putObject("stream_options").put("include_usage", true).put("include_logits", true);
    LatheHttp.Reply nested = http.post("/chat/completions", options);
    assertThat(nested.status()).isEqualTo(400);
    assertThat(nested.param()).isEqualTo("stream_options.include_logits");
  }

  @Test
  void acceptedFieldsAreCheckedAndChangeNothing() throws Exception {
    JsonNode plain = http.post("/chat/completions", chat("stories260k")).body();
    ObjectNode body = chat("stories260k");
    body.putArray("modalities").add("text");
    body.put("service_tier", "auto");
    body.put("user", "user-1234");
    body.put("safety_identifier", "hash-of-user");
    body.put("prompt_cache_key", "story-prompts");
    body.put("prompt_cache_retention", "24h");
    body.putObject("prompt_cache_options");
    LatheHttp.Reply r = http.post("/chat/completions", body);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().get("service_tier").asText()).isEqualTo("default");
    assertThat(r.body().get("choices")).isEqualTo(plain.get("choices"));
    assertThat(http.post("/completions", completion().put("best_of", 1).put("user", "u")).status())
        .isEqualTo(200);

    for (var bad :
        List.of(
            List.of("service_tier", "\"flex\""),
            List.of("user", "123"),
            List.of("safety_identifier", "\"" + "x".repeat(65) + "\""),
            List.of("prompt_cache_retention", "\"forever\""),
            List.of("prompt_cache_options", "\"yes\""))) {
      ObjectNode b = chat("stories260k");
      b.set(bad.get(0), LatheHttp.JSON.readTree(bad.get(1)));
      LatheHttp.Reply refused = http.post("/chat/completions", b);
      assertThat(refused.status()).as(bad.toString()).isEqualTo(400);
      assertThat(refused.param()).isEqualTo(bad.get(0));
    }
  }

  @Test
  void logitBiasChangesTheGreedyTokenAndUnknownIdsAreRefused() throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    int greedy;
    int vocabulary;
    String greedyPiece;
    String otherPiece;
    try (ChatModel model =
        ChatModel.open(
            tiny.toString(),
            Optional.empty(),
            new HubSettings(
                HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dataDir.resolve("hub"), true))) {
      int[] prompt = model.conversation(List.of(ChatMessage.of("user", USER)));
      greedy =
          new Generator(model.model(), model.tokenizer(), () -> 0)
              .generate(
                  prompt,
                  GenerationRequest.of(SamplingParams.GREEDY)
                      .withMaxTokens(1)
                      .withStopTokenIds(model.stopTokenIds()))
              .tokens()[0];
      greedyPiece = model.tokenizer().decode(new int[] {greedy});
      otherPiece = model.tokenizer().decode(new int[] {other(greedy)});
      vocabulary = Math.min(model.model().vocabularySize(), model.tokenizer().vocabularySize());
    }
    String unbiased = firstToken(java.util.Map.of());
    assertThat(unbiased).isEqualTo(greedyPiece);
    String banned = firstToken(java.util.Map.of(Integer.toString(greedy), -100));
    assertThat(banned).isNotEqualTo(greedyPiece);
    int other = other(greedy);
    ChatCompletion forced =
        client
            .chat()
            .completions()
            .create(
                params()
                    .logitBias(
                        ChatCompletionCreateParams.LogitBias.builder()
                            .putAdditionalProperty(Integer.toString(other), JsonValue.from(100))
                            .build())
                    .build());
    assertThat(
            forced.choices().get(0).logprobs().orElseThrow().content().orElseThrow().get(0).token())
        .isEqualTo(otherPiece)
        .isNotEqualTo(greedyPiece);

    for (String bad :
        List.of(
            "{\"" + vocabulary + "\": 1}",
            "{\"999999999\": -5}",
            "{\"abc\": 1}",
            "{\"-3\": 1}",
            "{\"5\": 100.5}",
            "[1]")) {
      ObjectNode body = chat("tinystories-656k");
      body.set("logit_bias", LatheHttp.JSON.readTree(bad));
      LatheHttp.Reply r = http.post("/chat/completions", body);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.param()).isEqualTo("logit_bias");
    }
    ObjectNode past = chat("tinystories-656k");
    past.putObject("logit_bias").put(Integer.toString(vocabulary), 1);
    assertThat(http.post("/chat/completions", past).message())
        .contains(Integer.toString(vocabulary))
        .contains("not a token id of this model");
    ObjectNode legacy = completion();
    legacy.putObject("logit_bias").put("100000", 1);
    assertThat(http.post("/completions", legacy).param()).isEqualTo("logit_bias");
  }

  /** A token other than {@code greedy} (an ordinary piece of TinyStories' vocabulary). */
  private static int other(int greedy) {
    return greedy == 300 ? 301 : 300;
  }

  private static ChatCompletionCreateParams.Builder params() {
    return ChatCompletionCreateParams.builder()
        .model("tinystories-656k")
        .addUserMessage(USER)
        .temperature(0.0)
        .maxCompletionTokens(1)
        .logprobs(true);
  }

  private static String firstToken(java.util.Map<String, Integer> bias) {
    ChatCompletionCreateParams.LogitBias.Builder b = ChatCompletionCreateParams.LogitBias.builder();
    bias.forEach((k, v) -> b.putAdditionalProperty(k, JsonValue.from(v)));
    ChatCompletion c = client.chat().completions().create(params().logitBias(b.build()).build());
    return c.choices().get(0).logprobs().orElseThrow().content().orElseThrow().get(0).token();
  }

  @Test
  void streamedContentIsObfuscatedUnlessTurnedOff() {
    ChatCompletionCreateParams.Builder p =
        ChatCompletionCreateParams.builder()
            .model("stories260k")
            .addUserMessage(USER)
            .temperature(0.0)
            .maxCompletionTokens(8);
    List<ChatCompletionChunk> padded = chunks(p.build());
    List<ChatCompletionChunk> content =
        padded.stream()
            .filter(c -> !c.choices().isEmpty())
            .filter(c -> !c.choices().get(0).delta().content().orElse("").isEmpty())
            .toList();
    assertThat(content).isNotEmpty();
    for (ChatCompletionChunk c : content) {
      String text = c.choices().get(0).delta().content().orElseThrow();
      String padding = c.obfuscation().orElseThrow();
      assertThat(padding).isNotEmpty().matches("[A-Za-z0-9]+");
      assertThat((text.length() + padding.length()) % 16).isZero();
    }
    List<ChatCompletionChunk> plain =
        chunks(
            p.streamOptions(ChatCompletionStreamOptions.builder().includeObfuscation(false).build())
                .build());
    assertThat(plain).allSatisfy(c -> assertThat(c.obfuscation()).isEmpty());
  }

  private static List<ChatCompletionChunk> chunks(ChatCompletionCreateParams params) {
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(params)) {
      return stream.stream().toList();
    }
  }

  @Test
  void sdkRefusalsCarryTheParam() {
    BadRequestException e =
        (BadRequestException)
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    client
                        .chat()
                        .completions()
                        .create(
                            params()
                                .reasoningEffort(com.openai.models.ReasoningEffort.LOW)
                                .build()));
    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.param()).contains("reasoning_effort");
  }

  @Test
  void theReadmeTablesAreTheCodes() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    assertThat(readme)
        .contains(RequestFields.CHAT.markdown())
        .contains(RequestFields.COMPLETIONS.markdown());
  }
}
