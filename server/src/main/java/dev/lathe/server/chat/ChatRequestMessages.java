package dev.lathe.server.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import dev.lathe.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A chat completions request's {@code messages}, read and checked into {@link ChatMessage}s. */
final class ChatRequestMessages {
  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool");

  private ChatRequestMessages() {}

  /**
   * {@code messages}: roles, string or text-part content (other parts are a 400), an assistant's
   * {@code tool_calls} and a tool message's {@code tool_call_id}.
   */
  static List<ChatMessage> read(JsonNode body, ObjectMapper json) {
    JsonNode array = body.get("messages");
    if (array == null || array.isNull()) {
      throw ApiException.invalid("Missing required parameter: 'messages'.", "messages");
    }
    if (!array.isArray()) {
      throw ApiException.invalid(
          "Invalid type for 'messages': expected an array, but got " + JsonBody.kind(array) + ".",
          "messages");
    }
    if (array.isEmpty()) {
      throw ApiException.invalid(
          "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String where = "messages[" + i + "]";
      JsonNode m = array.get(i);
      if (!m.isObject()) {
        throw ApiException.invalid("Invalid type for '" + where + "': expected an object.", where);
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual()) {
        throw ApiException.invalid(
            "Missing required parameter: '" + where + ".role'.", where + ".role");
      }
      if (!ROLES.contains(role.asText())) {
        throw ApiException.invalid(
            "Invalid value: '"
                + role.asText()
                + "'. Supported values are: 'system', 'developer',"
                + " 'user', 'assistant' and 'tool'.",
            where + ".role");
      }
      String r = role.asText().equals("developer") ? "system" : role.asText();
      String text = content(m.get("content"), where + ".content");
      List<Map<String, Object>> calls =
          r.equals("assistant") ? toolCalls(m, where, json) : List.of();
      String answers = null;
      if (r.equals("tool")) {
        JsonNode callId = m.get("tool_call_id");
        if (callId == null || !callId.isTextual() || callId.asText().isEmpty()) {
          throw ApiException.invalid(
              "Missing required parameter: '"
                  + where
                  + ".tool_call_id': a tool message answers the call with that id.",
              where + ".tool_call_id");
        }
        answers = callId.asText();
      }
      JsonNode name = m.get("name");
      out.add(
          new ChatMessage(
              r,
              calls.isEmpty() || !text.isEmpty() ? text : null,
              name != null && name.isTextual() ? name.asText() : null,
              calls,
              answers));
    }
    return out;
  }

  /**
   * An assistant message's {@code tool_calls}, each {@code {id, type: function, function: {name,
   * arguments}}}.
   */
  private static List<Map<String, Object>> toolCalls(JsonNode m, String where, ObjectMapper json) {
    JsonNode calls = m.get("tool_calls");
    if (calls == null || calls.isNull()) {
      return List.of();
    }
    if (!calls.isArray()) {
      throw ApiException.invalid(
          "Invalid type for '" + where + ".tool_calls': expected an array.", where + ".tool_calls");
    }
    for (int i = 0; i < calls.size(); i++) {
      String at = where + ".tool_calls[" + i + "]";
      JsonNode call = calls.get(i);
      if (!call.path("id").isTextual()
          || !call.path("function").path("name").isTextual()
          || !call.path("function").path("arguments").isTextual()) {
        throw ApiException.invalid(
            "Invalid '"
                + at
                + "': expected {\"id\": \"call_...\", \"type\": \"function\", \"function\":"
                + " {\"name\": ..., \"arguments\": \"<JSON text>\"}}.",
            at);
      }
      if (call.has("type") && !"function".equals(call.get("type").asText())) {
        throw ApiException.invalid(
            "Invalid '" + at + ".type': only 'function' tool calls are supported.", at + ".type");
      }
    }
    return json.convertValue(calls, new TypeReference<List<Map<String, Object>>>() {});
  }

  private static String content(JsonNode content, String where) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      throw ApiException.invalid(
          "Invalid type for '" + where + "': expected a string or an array of content parts.",
          where);
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String at = where + "[" + i + "]";
      if (!part.isObject() || !"text".equals(part.path("type").asText())) {
        throw ApiException.invalid(
            "Invalid content part at '"
                + at
                + "': only {\"type\": \"text\", \"text\": ...} parts"
                + " are supported by this server.",
            at);
      }
      if (!part.path("text").isTextual()) {
        throw ApiException.invalid("Missing text in '" + at + "'.", at + ".text");
      }
      text.append(part.get("text").asText());
    }
    return text.toString();
  }
}
