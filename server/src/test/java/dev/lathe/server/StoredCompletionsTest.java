package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionListParams;
import com.openai.models.chat.completions.ChatCompletionStoreMessage;
import com.openai.models.chat.completions.ChatCompletionUpdateParams;
import com.openai.models.chat.completions.messages.MessageListParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stored chat completions through the official OpenAI Java SDK: {@code store: true} keeps a whole
 * or streamed answer with its metadata; {@code chat.completions.list} pages and filters them by
 * model and metadata, {@code retrieve}, {@code update} (metadata only), {@code delete} and {@code
 * messages.list} work in OpenAI's shapes; another project sees none of them. On SQLite and on
 * PostgreSQL.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class StoredCompletionsTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;

  @Parameter TestDatabase database;

  @BeforeParameterizedClassInvocation
  static void start(TestDatabase database) throws IOException {
    server = new TestServer(dataDir.resolve(database.name()), database);
    client = server.client(TestServer.KEY_A);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  static ChatCompletionCreateParams.Builder chat(String model, String user, Map<String, String> m) {
    ChatCompletionCreateParams.Metadata.Builder metadata =
        ChatCompletionCreateParams.Metadata.builder();
    m.forEach((k, v) -> metadata.putAdditionalProperty(k, JsonValue.from(v)));
    return ChatCompletionCreateParams.builder()
        .model(model)
        .addSystemMessage("You tell short stories.")
        .addUserMessage(user)
        .temperature(0.0)
        .maxCompletionTokens(12)
        .store(true)
        .metadata(metadata.build());
  }

  private static List<String> ids(ChatCompletionListParams params) {
    List<String> out = new ArrayList<>();
    client.chat().completions().list(params).autoPager().forEach(c -> out.add(c.id()));
    return out;
  }

  @Test
  void roundTripListRetrieveMessagesUpdateDelete() {
    String run = "round-" + database;
    ChatCompletion cat =
        client
            .chat()
            .completions()
            .create(chat("stories260k", "A cat.", Map.of("run", run, "topic", "cat")).build());
    ChatCompletion dog =
        client
            .chat()
            .completions()
            .create(chat("tinystories-656k", "A dog.", Map.of("run", run, "topic", "dog")).build());
    ChatCompletion notStored =
        client
            .chat()
            .completions()
            .create(chat("stories260k", "A fish.", Map.of("run", run)).store(false).build());
    String streamedText;
    String streamedId;
    try (StreamResponse<ChatCompletionChunk> stream =
        client
            .chat()
            .completions()
            .createStreaming(
                chat("stories260k", "A bird.", Map.of("run", run, "topic", "bird")).build())) {
      List<ChatCompletionChunk> chunks = stream.stream().toList();
      streamedId = chunks.get(0).id();
      streamedText =
          chunks.stream()
              .flatMap(c -> c.choices().stream())
              .map(c -> c.delta().content().orElse(""))
              .collect(Collectors.joining());
    }

    ChatCompletionListParams.Metadata ofRun =
        ChatCompletionListParams.Metadata.builder().putAdditionalProperty("run", run).build();
    // oldest first by default; pages of one visit all three; the unstored one is not there
    var first =
        client
            .chat()
            .completions()
            .list(ChatCompletionListParams.builder().metadata(ofRun).limit(1).build());
    assertThat(first.data()).extracting(ChatCompletion::id).containsExactly(cat.id());
    assertThat(first.hasMore()).contains(true);
    assertThat(ids(ChatCompletionListParams.builder().metadata(ofRun).limit(1).build()))
        .containsExactly(cat.id(), dog.id(), streamedId)
        .doesNotContain(notStored.id());
    assertThat(
            ids(
                ChatCompletionListParams.builder()
                    .metadata(ofRun)
                    .order(ChatCompletionListParams.Order.DESC)
                    .build()))
        .containsExactly(streamedId, dog.id(), cat.id());
    assertThat(ids(ChatCompletionListParams.builder().metadata(ofRun).after(cat.id()).build()))
        .containsExactly(dog.id(), streamedId);
    // filters: model, and every metadata pair given
    assertThat(
            ids(
                ChatCompletionListParams.builder()
                    .metadata(ofRun)
                    .model("tinystories-656k")
                    .build()))
        .containsExactly(dog.id());
    assertThat(
            ids(
                ChatCompletionListParams.builder()
                    .metadata(
                        ChatCompletionListParams.Metadata.builder()
                            .putAdditionalProperty("run", run)
                            .putAdditionalProperty("topic", "bird")
                            .build())
                    .build()))
        .containsExactly(streamedId);

    // retrieve: the answer as it was given, with its metadata
    ChatCompletion got = client.chat().completions().retrieve(cat.id());
    assertThat(got.choices().get(0).message().content())
        .isEqualTo(cat.choices().get(0).message().content());
    assertThat(got.model()).isEqualTo("stories260k");
    assertThat(got.usage()).isEqualTo(cat.usage());
    assertThat(metadata(got)).isEqualTo(Map.of("run", run, "topic", "cat"));
    // a stream is stored assembled
    ChatCompletion streamed = client.chat().completions().retrieve(streamedId);
    assertThat(streamed.choices().get(0).message().content()).contains(streamedText);
    assertThat(streamed.choices().get(0).finishReason().asString()).isIn("stop", "length");

    // messages: the request's, with ids, paged oldest first
    var messages =
        client
            .chat()
            .completions()
            .messages()
            .list(cat.id(), MessageListParams.builder().limit(1).build());
    assertThat(messages.data()).hasSize(1);
    assertThat(messages.hasMore()).contains(true);
    List<ChatCompletionStoreMessage> all = new ArrayList<>();
    messages.autoPager().forEach(all::add);
    assertThat(all)
        .extracting(ChatCompletionStoreMessage::id)
        .containsExactly(cat.id() + "-0", cat.id() + "-1");
    assertThat(all.get(0).content()).contains("You tell short stories.");
    assertThat(all.get(1).content()).contains("A cat.");
    assertThat(all.get(1)._role().asString()).contains("user");
    assertThat(
            client
                .chat()
                .completions()
                .messages()
                .list(
                    cat.id(),
                    MessageListParams.builder().order(MessageListParams.Order.DESC).build())
                .data())
        .extracting(ChatCompletionStoreMessage::id)
        .containsExactly(cat.id() + "-1", cat.id() + "-0");

    // update replaces the metadata (and nothing else)
    ChatCompletion updated =
        client
            .chat()
            .completions()
            .update(
                cat.id(),
                ChatCompletionUpdateParams.builder()
                    .metadata(
                        ChatCompletionUpdateParams.Metadata.builder()
                            .putProperty("run", run)
                            .putProperty("reviewed", "yes")
                            .build())
                    .build());
    assertThat(metadata(updated)).isEqualTo(Map.of("run", run, "reviewed", "yes"));
    assertThat(metadata(client.chat().completions().retrieve(cat.id())))
        .isEqualTo(Map.of("run", run, "reviewed", "yes"));
    assertThat(
            ids(
                ChatCompletionListParams.builder()
                    .metadata(
                        ChatCompletionListParams.Metadata.builder()
                            .putAdditionalProperty("topic", "cat")
                            .build())
                    .build()))
        .doesNotContain(cat.id());

    // delete
    var deleted = client.chat().completions().delete(dog.id());
    assertThat(deleted.deleted()).isTrue();
    assertThat(deleted.id()).isEqualTo(dog.id());
    assertThat(deleted._object_().asString()).contains("chat.completion.deleted");
    assertThatThrownBy(() -> client.chat().completions().retrieve(dog.id()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining(dog.id());
    assertThat(ids(ChatCompletionListParams.builder().metadata(ofRun).build()))
        .containsExactly(cat.id(), streamedId);
  }

  @Test
  void anotherProjectSeesNoneOfThemAndUnknownIdsAre404() throws Exception {
    ChatCompletion mine =
        client
            .chat()
            .completions()
            .create(chat("stories260k", "A frog.", Map.of("isolation", "a")).build());
    OpenAIClient other = server.client(TestServer.KEY_B);
    assertThat(other.chat().completions().list().data())
        .extracting(ChatCompletion::id)
        .doesNotContain(mine.id());
    for (Runnable call :
        List.<Runnable>of(
            () -> other.chat().completions().retrieve(mine.id()),
            () -> other.chat().completions().messages().list(mine.id()),
            () ->
                other
                    .chat()
                    .completions()
                    .update(
                        mine.id(),
                        ChatCompletionUpdateParams.builder()
                            .metadata(ChatCompletionUpdateParams.Metadata.builder().build())
                            .build()),
            () -> other.chat().completions().delete(mine.id()),
            () -> client.chat().completions().retrieve("chatcmpl-nosuchcompletion"))) {
      assertThatThrownBy(call::run).isInstanceOf(NotFoundException.class);
    }
    LatheHttp.Reply b =
        new LatheHttp(server, TestServer.KEY_B).get("/chat/completions/" + mine.id());
    assertThat(b.status()).isEqualTo(404);
    assertThat(b.param()).isEqualTo("id");
    assertThat(b.message()).isEqualTo("No such ChatCompletion object: " + mine.id());
    // still there for its own project; an admin sees every project's
    assertThat(client.chat().completions().retrieve(mine.id()).id()).isEqualTo(mine.id());
    assertThat(server.client(TestServer.KEY_ADMIN).chat().completions().retrieve(mine.id()).id())
        .isEqualTo(mine.id());
  }

  @Test
  void badMetadataAndUpdatesOfOtherFieldsAreRefusedByName() throws Exception {
    assertThatThrownBy(
            () ->
                client
                    .chat()
                    .completions()
                    .create(chat("stories260k", "Hi", Map.of("k".repeat(65), "v")).build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(
            e ->
                assertThat(((BadRequestException) e).param())
                    .contains("metadata." + "k".repeat(65)));
    LatheHttp http = new LatheHttp(server, TestServer.KEY_A);
    LatheHttp.Reply notBoolean =
        http.post(
            "/chat/completions",
            "{\"model\":\"stories260k\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"store\":\"yes\"}");
    assertThat(notBoolean.status()).isEqualTo(400);
    assertThat(notBoolean.param()).isEqualTo("store");

    ChatCompletion kept =
        client.chat().completions().create(chat("stories260k", "Hi", Map.of()).build());
    LatheHttp.Reply other =
        http.post("/chat/completions/" + kept.id(), "{\"metadata\":{},\"temperature\":0.5}");
    assertThat(other.status()).isEqualTo(400);
    assertThat(other.param()).isEqualTo("temperature");
    LatheHttp.Reply missing = http.post("/chat/completions/" + kept.id(), "{}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.param()).isEqualTo("metadata");
    LatheHttp.Reply badLimit = http.get("/chat/completions?limit=101");
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.param()).isEqualTo("limit");
    LatheHttp.Reply badAfter = http.get("/chat/completions/" + kept.id() + "/messages?after=x");
    assertThat(badAfter.status()).isEqualTo(400);
    assertThat(badAfter.param()).isEqualTo("after");
  }

  private static Map<String, String> metadata(ChatCompletion c) {
    Map<String, String> out = new java.util.HashMap<>();
    c.metadata()
        .orElseThrow()
        ._additionalProperties()
        .forEach((k, v) -> out.put(k, v.convert(String.class)));
    return out;
  }
}
