package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.models.Model;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The official OpenAI Java SDK against a real server: files, models, chat and completions, on
 * SQLite and on PostgreSQL.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class OpenAiSdkTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;

  @Parameter TestDatabase database;

  static final String EXAMPLE =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
          + "{\"role\":\"assistant\",\"content\":\"Once upon a time\"}]}\n";

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

  private static FileObject upload(OpenAIClient c, String name, String content) {
    return c.files()
        .create(
            FileCreateParams.builder()
                .file(
                    com.openai.core.MultipartField.<InputStream>builder()
                        .value(
                            new java.io.ByteArrayInputStream(
                                content.getBytes(StandardCharsets.UTF_8)))
                        .filename(name)
                        .build())
                .purpose(FilePurpose.FINE_TUNE)
                .build());
  }

  @Test
  void filesUploadListRetrieveContentDelete() throws IOException {
    String content = EXAMPLE.repeat(12);
    FileObject file = upload(client, "train.jsonl", content);
    assertThat(file.id()).startsWith("file-").hasSize(5 + 24);
    assertThat(file.filename()).isEqualTo("train.jsonl");
    assertThat(file.bytes()).isEqualTo(content.getBytes(StandardCharsets.UTF_8).length);
    assertThat(file.purpose()).isEqualTo(FileObject.Purpose.FINE_TUNE);
    assertThat(file.status()).isEqualTo(FileObject.Status.PROCESSED);

    assertThat(client.files().retrieve(file.id()).bytes()).isEqualTo(file.bytes());
    try (HttpResponse body = client.files().content(file.id())) {
      assertThat(new String(body.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(content);
    }

    FileObject second = upload(client, "../../etc/evil.jsonl", EXAMPLE);
    assertThat(second.filename()).isEqualTo("evil.jsonl");
    assertThat(Files.list(server.dataDir.resolve("files")).map(p -> p.getFileName().toString()))
        .contains(file.id(), second.id())
        .noneMatch(n -> n.endsWith(".part"));

    // newest first; a one-item page plus the SDK's auto-paging visits both
    var page = client.files().list(FileListParams.builder().limit(1).build());
    assertThat(page.data()).extracting(FileObject::id).containsExactly(second.id());
    assertThat(page.hasMore()).contains(true);
    List<String> all = new ArrayList<>();
    page.autoPager().forEach(f -> all.add(f.id()));
    assertThat(all).containsSubsequence(second.id(), file.id());
    var ascending =
        client.files().list(FileListParams.builder().order(FileListParams.Order.ASC).build());
    assertThat(ascending.data())
        .extracting(FileObject::id)
        .containsSubsequence(file.id(), second.id());

    assertThat(client.files().delete(second.id()).deleted()).isTrue();
    assertThatThrownBy(() -> client.files().retrieve(second.id()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("No such File object: " + second.id());
    assertThat(Files.exists(server.dataDir.resolve("files").resolve(second.id()))).isFalse();
  }

  @Test
  void missingFileIsNotFoundInTheEnvelope() {
    NotFoundException e =
        (NotFoundException)
            org.assertj.core.api.Assertions.catchThrowable(
                () -> client.files().retrieve("file-doesnotexist"));
    assertThat(e.statusCode()).isEqualTo(404);
    assertThat(e.getMessage()).contains("No such File object: file-doesnotexist");
    assertThat(e.param()).contains("id");
    assertThat(e.type()).contains("invalid_request_error");
    assertThat(e.headers().values("x-request-id")).singleElement().asString().startsWith("req_");
  }

  @Test
  void modelsListAndRetrieve() {
    List<String> ids = client.models().list().data().stream().map(Model::id).toList();
    assertThat(ids)
        .containsExactlyInAnyOrder("stories260k", "tinystories-656k", "gpt-4o-mini-2024-07-18");
    Model m = client.models().retrieve("gpt-4o-mini-2024-07-18");
    assertThat(m.ownedBy()).isEqualTo("system");
    assertThatThrownBy(() -> client.models().retrieve("ft:stories260k:personal::abcdefgh"))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("The model `ft:stories260k:personal::abcdefgh` does not exist");
    assertThatThrownBy(() -> client.models().delete("stories260k"))
        .isInstanceOf(NotFoundException.class);
  }

  private static ChatCompletionCreateParams.Builder chat(String model) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .addSystemMessage("You tell short stories.")
        .addUserMessage("Tell me about a cat.")
        .temperature(0.0)
        .maxCompletionTokens(24);
  }

  @Test
  void chatPlainAndStreamingAgreeAtTemperatureZero() {
    for (String model : List.of("gpt-4o-mini-2024-07-18", "tinystories-656k")) {
      ChatCompletion whole = client.chat().completions().create(chat(model).build());
      assertThat(whole.id()).startsWith("chatcmpl-");
      assertThat(whole.model()).isEqualTo(model);
      var choice = whole.choices().get(0);
      String text = choice.message().content().orElseThrow();
      assertThat(text).isNotBlank();
      assertThat(choice.finishReason().asString()).isIn("stop", "length");
      var usage = whole.usage().orElseThrow();
      assertThat(usage.completionTokens()).isBetween(1L, 24L);
      assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());

      List<ChatCompletionChunk> chunks;
      try (StreamResponse<ChatCompletionChunk> stream =
          client
              .chat()
              .completions()
              .createStreaming(
                  chat(model)
                      .streamOptions(
                          com.openai.models.chat.completions.ChatCompletionStreamOptions.builder()
                              .includeUsage(true)
                              .build())
                      .build())) {
        chunks = stream.stream().toList();
      }
      String streamed =
          chunks.stream()
              .flatMap(c -> c.choices().stream())
              .map(c -> c.delta().content().orElse(""))
              .collect(Collectors.joining());
      assertThat(streamed).isEqualTo(text);
      assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
      assertThat(chunks.get(0).id()).startsWith("chatcmpl-");
      ChatCompletionChunk last = chunks.get(chunks.size() - 1);
      assertThat(last.choices()).isEmpty();
      assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(usage.completionTokens());
    }
  }

  @Test
  void chatOptionsStopsLogprobsAndN() {
    ChatCompletion base = client.chat().completions().create(chat("stories260k").build());
    String text = base.choices().get(0).message().content().orElseThrow();
    String[] words = text.strip().split(" ");
    String stop = words.length > 2 ? " " + words[2] : text.strip();
    ChatCompletion stopped =
        client.chat().completions().create(chat("stories260k").stop(stop).build());
    String cut = stopped.choices().get(0).message().content().orElseThrow();
    assertThat(cut).doesNotContain(stop).isEqualTo(text.substring(0, text.indexOf(stop)));
    assertThat(stopped.choices().get(0).finishReason().asString()).isEqualTo("stop");

    ChatCompletion withLogprobs =
        client
            .chat()
            .completions()
            .create(chat("stories260k").logprobs(true).topLogprobs(3).n(2).build());
    assertThat(withLogprobs.choices()).hasSize(2);
    var content = withLogprobs.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    assertThat(content).isNotEmpty();
    assertThat(content.get(0).topLogprobs()).hasSize(3);
    assertThat(content.get(0).logprob()).isLessThanOrEqualTo(0.0);
    assertThat(withLogprobs.choices().get(1).message().content()).contains(text);

    ChatCompletion seeded1 =
        client.chat().completions().create(chat("stories260k").temperature(1.0).seed(5).build());
    ChatCompletion seeded2 =
        client.chat().completions().create(chat("stories260k").temperature(1.0).seed(5).build());
    assertThat(seeded1.choices().get(0).message().content())
        .isEqualTo(seeded2.choices().get(0).message().content());
  }

  @Test
  void legacyCompletions() {
    Completion c =
        client
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(CompletionCreateParams.Model.of("stories260k"))
                    .prompt("Once upon a time")
                    .temperature(0.0)
                    .build());
    assertThat(c.id()).startsWith("cmpl-");
    assertThat(c.choices().get(0).text()).isNotEmpty();
    assertThat(c.usage().orElseThrow().completionTokens()).isBetween(1L, 16L);
  }
}
