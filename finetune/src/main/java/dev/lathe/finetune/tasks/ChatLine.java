package dev.lathe.finetune.tasks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Builds one OpenAI chat JSONL line, message by message. */
final class ChatLine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode root = JSON.createObjectNode();
  private final ArrayNode messages = root.putArray("messages");

  ChatLine system(String content) {
    return add("system", content);
  }

  ChatLine user(String content) {
    return add("user", content);
  }

  ChatLine assistant(String content) {
    return add("assistant", content);
  }

  /** An assistant turn with a {@code weight} (0: shown in context, not trained). */
  ChatLine assistant(String content, int weight) {
    add("assistant", content);
    ((ObjectNode) messages.get(messages.size() - 1)).put("weight", weight);
    return this;
  }

  private ChatLine add(String role, String content) {
    messages.addObject().put("role", role).put("content", content);
    return this;
  }

  /** The line, without a newline. */
  String json() {
    return root.toString();
  }
}
