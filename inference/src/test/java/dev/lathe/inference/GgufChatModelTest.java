package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.Llama2cTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stories260K.gguf} served through {@link ChatModel#open}: its embedded SentencePiece
 * vocabulary must tokenize like {@code tok512.bin} (the llama2.c export of the same {@code
 * tok512.model}), and greedy decoding from BOS must print llama2.c's published text.
 */
class GgufChatModelTest {

  private static ChatModel open(Path temp) throws Exception {
    Path file = SharedAssets.require("models/gguf/stories260K.gguf");
    return ChatModel.open(file.toString(), Optional.empty(), hub(temp));
  }

  private static HubSettings hub(Path temp) {
    return new HubSettings(
        HubSettings.DEFAULT_ENDPOINT, Optional.empty(), temp.resolve("hub"), true);
  }

  @Test
  void embeddedTokenizerEncodesAndDecodesLikeTok512(@TempDir Path temp) throws Exception {
    Llama2cTokenizer tok512 =
        Llama2cTokenizer.load(SharedAssets.require("models/llama2c-stories260K/tok512.bin"));
    try (ChatModel chat = open(temp)) {
      Llama2cTokenizer gguf = (Llama2cTokenizer) chat.tokenizer();
      assertThat(gguf.vocabularySize()).isEqualTo(tok512.vocabularySize());
      assertThat(gguf.bosId()).isEqualTo(1);
      assertThat(gguf.eosId()).isEqualTo(2);
      for (String text :
          List.of(
              "Once upon a time, there was a little girl named Lily.",
              "  two spaces, tabs\tand\nnewlines",
              "naïve café: ünïcödé falls back to bytes — 日本語 🙂",
              "",
              "x")) {
        int[] expected = tok512.encode(text, true, true);
        assertThat(gguf.encode(text, true, true)).as(text).containsExactly(expected);
        assertThat(gguf.decode(expected)).as(text).isEqualTo(tok512.decode(expected));
      }
      for (int id = 0; id < tok512.vocabularySize(); id++) {
        int[] one = {id};
        assertThat(gguf.decode(one)).as("token %d", id).isEqualTo(tok512.decode(one));
      }
    }
  }

  @Test
  void greedyFromBosThroughTheServedModelPrintsLlama2csText(@TempDir Path temp) throws Exception {
    String json =
        Files.readString(
            SharedAssets.require("testvectors/published/llama2c_stories260K_greedy.json"));
    try (ChatModel chat = open(temp)) {
      GenerationResult result =
          new Generator(chat.model(), chat.tokenizer(), () -> 0L)
              .generate(
                  chat.prompts().prompt(""),
                  GenerationRequest.of(SamplingParams.GREEDY)
                      .withMaxTokens(200)
                      .withStopTokenIds(chat.stopTokenIds()));
      assertThat(result.text()).isEqualTo(jsonString(json, "expected_text"));
      assertThat(chat.plainChat()).isTrue(); // no tokenizer.chat_template in this file
      List<ChatMessage> messages =
          List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi, who are you?"));
      Path bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
      try (ChatModel llama2c = ChatModel.open(bin.toString(), Optional.empty(), hub(temp))) {
        assertThat(chat.conversation(messages)).containsExactly(llama2c.conversation(messages));
      }
    }
  }

  private static String jsonString(String json, String field) throws Exception {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get(field).asText();
  }
}
