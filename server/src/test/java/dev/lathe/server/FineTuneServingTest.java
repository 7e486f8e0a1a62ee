package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuned models served through the real server with the official OpenAI SDK: rows in the {@code
 * models} table (as a succeeded job writes them) pointing at a PEFT adapter directory, at a
 * checkpoint's adapter, or at a merged (full fine-tune) model directory, written by {@link
 * FineTuneFiles}. The fine-tunes answer differently from their bases; a merged model answers
 * exactly as the adapter it merges.
 */
class FineTuneServingTest {
  @TempDir static Path dataDir;
  @TempDir static Path exports;
  static TestServer server;
  static OpenAIClient client;

  static final String TINY_FT = "ft:tinystories-656k:proj_a:cats:Ab12Cd34";
  static final String TINY_CKPT = TINY_FT + ":ckpt-step-2";
  static final String TINY_FULL = "ft:tinystories-656k:proj_a:full:Ef56Gh78";
  static final String STORIES_FT = "ft:stories260k:proj_a:gqa:Ij90Kl12";
  static final String STORIES_FULL = "ft:stories260k:proj_a:full:Mn34Op56";
  static final String VANISHED = "ft:tinystories-656k:proj_a:gone:Qr78St90";
  static final String DELETED = "ft:tinystories-656k:proj_a:bye:Uv12Wx34";

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    client = server.client(TestServer.KEY_A);
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    FineTunedModels rows = new FineTunedModels(JdbcDataSources.sqlite(dataDir.resolve("lathe.db")));

    LoraConfig all = LoraConfig.of(4, 8, 0);
    LoadedModel tinyBase = ModelLoader.load(tiny);
    TrainableModel cats = FineTuneFiles.randomLora(tinyBase, all, 1);
    FineTuneFiles.writeAdapter(exports.resolve("cats"), cats, all);
    FineTuneFiles.writeMerged(exports.resolve("cats-full"), cats, tiny);
    LoraConfig attention = new LoraConfig(2, 4, 0, Set.of("q_proj", "v_proj"));
    FineTuneFiles.writeAdapter(
        exports.resolve("ckpt"), FineTuneFiles.randomLora(tinyBase, attention, 2), attention);

    TrainableModel gqa = FineTuneFiles.randomLora(ModelLoader.load(stories), all, 3);
    FineTuneFiles.writeAdapter(exports.resolve("gqa"), gqa, all);
    FineTuneFiles.writeMerged(exports.resolve("gqa-full"), gqa, null);

    insert(rows, TINY_FT, "tinystories-656k", "cats");
    insert(rows, TINY_CKPT, "tinystories-656k", "ckpt");
    insert(rows, TINY_FULL, "tinystories-656k", "cats-full");
    insert(rows, STORIES_FT, "stories260k", "gqa");
    insert(rows, STORIES_FULL, "stories260k", "gqa-full");
    insert(rows, VANISHED, "tinystories-656k", "never-written");
    insert(rows, DELETED, "tinystories-656k", "cats");
  }

  private static void insert(FineTunedModels rows, String id, String base, String dir) {
    rows.insert(
        new FineTunedModels.Row(
            id,
            "proj_a",
            Instant.ofEpochSecond(1_700_000_000L),
            base,
            exports.resolve(dir).toString(),
            null));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static ChatCompletionCreateParams.Builder chat(String model) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .addSystemMessage("You tell short stories.")
        .addUserMessage("Tell me about a cat.")
        .temperature(0.0)
        .maxCompletionTokens(24);
  }

  private static String reply(String model) {
    ChatCompletion whole = client.chat().completions().create(chat(model).build());
    assertThat(whole.model()).isEqualTo(model);
    return whole.choices().get(0).message().content().orElseThrow();
  }

  private static String streamedReply(String model) {
    try (StreamResponse<ChatCompletionChunk> stream =
        client.chat().completions().createStreaming(chat(model).build())) {
      return stream.stream()
          .flatMap(c -> c.choices().stream())
          .map(c -> c.delta().content().orElse(""))
          .collect(Collectors.joining());
    }
  }

  @Test
  void aLoraFineTuneChatsPlainAndStreamingAlikeAndUnlikeItsBase() {
    String base = reply("tinystories-656k");
    String tuned = reply(TINY_FT);
    assertThat(tuned).isNotBlank().isNotEqualTo(base);
    assertThat(streamedReply(TINY_FT)).isEqualTo(tuned);
    // the base still answers as before: its weights are shared, not changed
    assertThat(reply("tinystories-656k")).isEqualTo(base);
    String checkpoint = reply(TINY_CKPT);
    assertThat(checkpoint).isNotEqualTo(tuned).isNotEqualTo(base);
  }

  @Test
  void aFullFineTuneIsItsOwnModelAndAnswersAsTheAdapterItMerges() {
    assertThat(reply(TINY_FULL)).isEqualTo(reply(TINY_FT));
    // a llama2.c base (GQA): the merged directory has no tokenizer and borrows the base's
    String gqa = reply(STORIES_FT);
    assertThat(gqa).isNotEqualTo(reply("stories260k"));
    assertThat(reply(STORIES_FULL)).isEqualTo(gqa);
    assertThat(streamedReply(STORIES_FULL)).isEqualTo(gqa);
  }

  @Test
  void legacyCompletionsServeFineTunesPlainAndStreaming() {
    CompletionCreateParams.Builder params =
        CompletionCreateParams.builder().prompt("Once upon a time").temperature(0.0).maxTokens(20);
    Completion base =
        client
            .completions()
            .create(params.model(CompletionCreateParams.Model.of("stories260k")).build());
    Completion tuned =
        client
            .completions()
            .create(params.model(CompletionCreateParams.Model.of(STORIES_FT)).build());
    String text = tuned.choices().get(0).text();
    assertThat(text).isNotEmpty().isNotEqualTo(base.choices().get(0).text());
    assertThat(tuned.model()).isEqualTo(STORIES_FT);
    String streamed;
    try (StreamResponse<Completion> stream = client.completions().createStreaming(params.build())) {
      streamed =
          stream.stream()
              .map(c -> c.choices().isEmpty() ? "" : c.choices().get(0).text())
              .collect(Collectors.joining());
    }
    assertThat(streamed).isEqualTo(text);
  }

  @Test
  void aFineTuneWhoseFilesVanishedIsAClearErrorNotAServerFault() {
    assertThatThrownBy(() -> reply(VANISHED))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).contains("model_not_available"))
        .hasMessageContaining("cannot be served")
        .hasMessageContaining("no longer exists");
    assertThatThrownBy(() -> streamedReply(VANISHED))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("cannot be served");
  }

  @Test
  void aDeletedFineTuneIsGone() {
    assertThat(reply(DELETED)).isEqualTo(reply(TINY_FT)); // same adapter directory
    assertThat(client.models().delete(DELETED).deleted()).isTrue();
    assertThatThrownBy(() -> reply(DELETED))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("does not exist");
    assertThat(reply(TINY_FT)).isNotBlank();
  }
}
