package dev.lathe.finetune.tasks;

import dev.lathe.tokenizer.ChatMessage;
import java.util.List;

/**
 * A conversation a trained model is asked to continue, never seen in training.
 *
 * @param messages the conversation, ending before the assistant answer to generate
 * @param reference the answer the task's training data would give (scores 1)
 * @param kind what the prompt probes, for tasks with more than one kind (else "answer")
 */
public record HeldOutPrompt(List<ChatMessage> messages, String reference, String kind) {

  /** Validates. */
  public HeldOutPrompt {
    messages = List.copyOf(messages);
    if (messages.isEmpty() || reference == null || kind == null) {
      throw new IllegalArgumentException(
          "a held-out prompt needs messages, a reference and a kind");
    }
  }

  /** A one-turn prompt of the default kind. */
  public static HeldOutPrompt ofUser(String user, String reference) {
    return new HeldOutPrompt(List.of(ChatMessage.user(user)), reference, "answer");
  }

  /** The text of the last user message. */
  public String lastUser() {
    return messages.getLast().text();
  }
}
