package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.inference.HubSettings;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChatCommandTest {

  private static LatheRun chat(String input, String... args) {
    return LatheRun.withInput(input, args);
  }

  private static HubSettings offline() {
    return HubSettings.fromEnvironment(Map.of("HF_HUB_OFFLINE", "1"), Path.of("/nonexistent"));
  }

  @Test
  void aModelWithoutATemplateGetsThePlainFormatAfterItsBos() throws Exception {
    Path dir = SharedAssets.require("models/hf-TinyStories-656K");
    try (RunnableModel model = RunnableModel.open(dir.toString(), Optional.empty(), offline())) {
      assertThat(model.chatStops()).contains("\nUser:"); // the plain format
      int[] ids =
          model.conversation(
              List.of(
                  ChatMessage.system("Tell stories."), ChatMessage.user("A story about a cat")));
      assertThat(ids[0]).isEqualTo(1); // <|start_story|>
      assertThat(model.tokenizer().decode(ids))
          .endsWith("System: Tell stories.\nUser: A story about a cat\nAssistant: ");
      assertThat(model.stopTokenIds()).contains(2);
      // an earlier assistant turn ends with the EOS id, as the model learned to stop
      int[] history =
          model.conversation(
              List.of(
                  ChatMessage.user("Hi"), ChatMessage.assistant("Hello"), ChatMessage.user("Bye")));
      assertThat(history).containsOnlyOnce(1).containsOnlyOnce(2);
    }
  }

  @Test
  void llama2cChatTurnsEndWithTheEosIdNotItsCharacters() throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    try (RunnableModel model = RunnableModel.open(bin.toString(), Optional.empty(), offline())) {
      int[] ids =
          model.conversation(
              List.of(
                  ChatMessage.user("Hi"), ChatMessage.assistant("Hello"), ChatMessage.user("Bye")));
      assertThat(ids[0]).isEqualTo(1);
      assertThat(ids).contains(2);
      assertThat(model.tokenizer().decode(ids)).doesNotContain("</s>").endsWith("Assistant: ");
    }
  }

  @Test
  void chatStreamsOneReplyPerLineAndEndsAtEndOfInput() {
    String model = SharedAssets.require("models/hf-TinyStories-656K").toString();
    LatheRun run =
        chat(
            "Tell me about a dog.\n\n/reset\nAnd a cat?\n",
            "chat",
            "--model",
            model,
            "--system",
            "You tell stories.",
            "--seed",
            "3",
            "--max-tokens",
            "24");
    assertThat(run.exit()).as(run.err()).isZero();
    // each reply is followed by a blank line; empty input lines and /reset produce none
    String[] replies = run.out().split("\n\n", -1);
    assertThat(replies).hasSize(3);
    assertThat(replies[2]).isEmpty();
    assertThat(replies[0]).isNotBlank().doesNotContain("\nUser:");
    assertThat(replies[1]).isNotBlank();
    LatheRun replay =
        chat(
            "Tell me about a dog.\n\n/reset\nAnd a cat?\n",
            "chat",
            "--model",
            model,
            "--system",
            "You tell stories.",
            "--seed",
            "3",
            "--max-tokens",
            "24");
    assertThat(replay.out()).isEqualTo(run.out());
  }

  @Test
  void aLongConversationDropsItsOldestExchangesInsteadOfOverflowing() {
    String model = SharedAssets.require("models/hf-TinyStories-656K").toString();
    String line =
        "Tell me one more story about a little girl, a dog and a big red ball in the park.\n";
    LatheRun run =
        chat(
            line.repeat(30),
            "chat",
            "--model",
            model,
            "--system",
            "Stories.",
            "--seed",
            "1",
            "--max-tokens",
            "24");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).doesNotContain("does not fit");
    assertThat(run.out().split("\n\n", -1)).hasSize(31); // 30 replies, then the end
  }

  @Test
  void aBinWithoutATokenizerBesideItAsksForOne() throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Path lonely = java.nio.file.Files.createTempDirectory("lathe-chat").resolve("model.bin");
    java.nio.file.Files.copy(bin, lonely);
    try {
      LatheRun run = chat("hi\n", "chat", "--model", lonely.toString());
      assertThat(run.exit()).isEqualTo(2);
      assertThat(run.err()).contains("--tokenizer");
      Path tok = SharedAssets.require("models/llama2c-stories260K/tok512.bin");
      LatheRun ok =
          chat(
              "hi\n",
              "chat",
              "--model",
              lonely.toString(),
              "--tokenizer",
              tok.toString(),
              "--max-tokens",
              "8",
              "--seed",
              "1");
      assertThat(ok.exit()).as(ok.err()).isZero();
      assertThat(ok.out()).isNotBlank();
    } finally {
      java.nio.file.Files.deleteIfExists(lonely);
      java.nio.file.Files.deleteIfExists(lonely.getParent());
    }
  }
}
