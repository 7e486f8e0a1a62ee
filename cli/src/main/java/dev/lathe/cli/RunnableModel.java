package dev.lathe.cli;

import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LoadOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The commands' view of an opened {@link ChatModel} (a Hugging Face directory, a llama2.c {@code
 * .bin} or a Hub repo id, with its tokenizer and chat format); the opening logic lives in {@link
 * ChatModel} so the server shares it.
 */
record RunnableModel(ChatModel chat) implements AutoCloseable {

  LanguageModel model() {
    return chat.model();
  }

  TextTokenizer tokenizer() {
    return chat.tokenizer();
  }

  ChatModel.PromptEncoder prompts() {
    return chat.prompts();
  }

  Set<Integer> stopTokenIds() {
    return chat.stopTokenIds();
  }

  /** Ids of the conversation so far, ending with the assistant's header. */
  int[] conversation(List<ChatMessage> messages) {
    return chat.conversation(messages);
  }

  /** Stop strings for chat replies. */
  List<String> chatStops() {
    return chat.chatStops();
  }

  @Override
  public void close() throws Exception {
    chat.close();
  }

  /** Opens the model named by {@code spec} as stored; {@code hub} supplies the HF_* settings. */
  static RunnableModel open(String spec, Optional<Path> tokenizerFile, HubSettings hub)
      throws IOException {
    return open(spec, tokenizerFile, hub, LoadOptions.DEFAULT);
  }

  /**
   * Opens the model named by {@code spec}, its weights held as {@code options} say; {@code hub}
   * supplies the HF_* settings.
   */
  static RunnableModel open(
      String spec, Optional<Path> tokenizerFile, HubSettings hub, LoadOptions options)
      throws IOException {
    return new RunnableModel(ChatModel.open(spec, tokenizerFile, hub, options));
  }
}
