package dev.lathe.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of a conversation, as a chat template sees it (OpenAI's chat format, which is also
 * what Hugging Face templates expect).
 *
 * @param role {@code system}, {@code user}, {@code assistant}, {@code tool}, or another role a
 *     template knows
 * @param content a {@link String}, a {@link List} of content parts (maps such as {@code {"type":
 *     "text", "text": "..."}}), or null (an assistant turn that only calls tools)
 * @param name optional author name, or null
 * @param toolCalls the assistant's tool calls as maps ({@code id}, {@code type}, {@code function}
 *     with {@code name} and {@code arguments}), or an empty list
 * @param toolCallId for a {@code tool} message, the call it answers, or null
 */
public record ChatMessage(
    String role,
    Object content,
    String name,
    List<Map<String, Object>> toolCalls,
    String toolCallId) {

  public ChatMessage {
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException(
          "a chat message needs a role (system, user, assistant...)");
    }
    if (content != null && !(content instanceof String) && !(content instanceof List<?>)) {
      throw new IllegalArgumentException(
          "content of a "
              + role
              + " message must be a string or a list of content parts, not "
              + content.getClass().getSimpleName());
    }
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** A message with text content only. */
  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, content, null, List.of(), null);
  }

  public static ChatMessage system(String content) {
    return of("system", content);
  }

  public static ChatMessage user(String content) {
    return of("user", content);
  }

  public static ChatMessage assistant(String content) {
    return of("assistant", content);
  }

  /**
   * A message from its OpenAI JSON object already parsed into maps and lists (e.g. by Jackson):
   * {@code role}, {@code content}, {@code name}, {@code tool_calls}, {@code tool_call_id}.
   */
  @SuppressWarnings("unchecked")
  public static ChatMessage fromMap(Map<String, Object> json) {
    Object toolCalls = json.get("tool_calls");
    if (toolCalls != null && !(toolCalls instanceof List<?>)) {
      throw new IllegalArgumentException("tool_calls must be a list, got " + toolCalls);
    }
    return new ChatMessage(
        String.valueOf(json.get("role")),
        json.get("content"),
        (String) json.get("name"),
        (List<Map<String, Object>>) toolCalls,
        (String) json.get("tool_call_id"));
  }

  /** The text of the content: the string, or the {@code text} of its text parts joined. */
  public String text() {
    if (content == null) {
      return "";
    }
    if (content instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    for (Object part : (List<?>) content) {
      if (part instanceof Map<?, ?> map && map.get("text") instanceof String text) {
        out.append(text);
      }
    }
    return out.toString();
  }

  /**
   * This message as the dictionary a template reads; absent optional fields are left out. Null
   * content (an OpenAI tool-call turn) is passed as the empty string: templates concatenate content
   * ({@code '\n' + content}), which fails on None in Python and would print "null" in jinjava,
   * while the empty string renders what Hugging Face renders for {@code content: ""}.
   */
  Map<String, Object> toTemplateValue() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("role", role);
    value.put(
        "content",
        content == null ? "" : content instanceof List<?> parts ? new ArrayList<>(parts) : content);
    if (name != null) {
      value.put("name", name);
    }
    if (!toolCalls.isEmpty()) {
      value.put("tool_calls", new ArrayList<>(toolCalls));
    }
    if (toolCallId != null) {
      value.put("tool_call_id", toolCallId);
    }
    return value;
  }
}
