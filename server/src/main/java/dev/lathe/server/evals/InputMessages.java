package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code completions} run's {@code input_messages}: a {@code template} of chat messages whose
 * text may name the item's fields as {@code {{item.x}}} (nested: {@code {{item.a.b}}}), or an
 * {@code item_reference} naming the item field that holds the messages (or a prompt string).
 */
final class InputMessages {
  private static final Pattern REFERENCE =
      Pattern.compile("\\{\\{\\s*item((?:\\.[A-Za-z0-9_]+)+)\\s*\\}\\}");
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

  private InputMessages() {}

  /** Refuses a malformed {@code input_messages}, naming the path. */
  static void check(JsonNode spec, String at) {
    if (spec == null || !spec.isObject()) {
      throw ApiException.invalid(
          "Missing required parameter: '"
              + at
              + "': {\"type\": \"template\", \"template\": [...]} or {\"type\":"
              + " \"item_reference\", \"item_reference\": \"item.field\"}.",
          at);
    }
    switch (spec.path("type").asText("")) {
      case "template" -> {
        EvalDefinition.refuse(spec, Set.of("type", "template"), at);
        JsonNode template = spec.get("template");
        if (template == null || !template.isArray() || template.isEmpty()) {
          throw ApiException.invalid(
              "Invalid '" + at + ".template': expected a non-empty array of messages.",
              at + ".template");
        }
        for (int i = 0; i < template.size(); i++) {
          String where = at + ".template[" + i + "]";
          JsonNode m = template.get(i);
          if (!m.isObject() || !ROLES.contains(m.path("role").asText())) {
            throw ApiException.invalid(
                "Invalid '"
                    + where
                    + ".role': expected 'system', 'developer', 'user' or 'assistant'.",
                where + ".role");
          }
          EvalDefinition.refuse(m, Set.of("type", "role", "content"), where);
          text(m.get("content"), where + ".content");
        }
      }
      case "item_reference" -> {
        EvalDefinition.refuse(spec, Set.of("type", "item_reference"), at);
        String ref = spec.path("item_reference").asText("");
        if (!ref.matches("item(\\.[A-Za-z0-9_]+)+")) {
          throw ApiException.invalid(
              "Invalid '" + at + ".item_reference': expected a path such as 'item.input'.",
              at + ".item_reference");
        }
      }
      default ->
          throw ApiException.invalid(
              "Invalid '" + at + ".type': expected 'template' or 'item_reference'.", at + ".type");
    }
  }

  /** The chat messages for {@code item}; a field the item lacks is an {@link ItemException}. */
  static ArrayNode render(JsonNode spec, JsonNode item, ObjectMapper json) {
    ArrayNode out = json.createArrayNode();
    if (spec.path("type").asText().equals("item_reference")) {
      JsonNode value = field(item, spec.get("item_reference").asText().substring("item".length()));
      if (value.isTextual()) {
        out.addObject().put("role", "user").put("content", value.asText());
      } else if (value.isArray()) {
        out.addAll((ArrayNode) value);
      } else {
        throw new ItemException(
            "item_reference "
                + spec.get("item_reference").asText()
                + " is neither messages nor text");
      }
      return out;
    }
    for (JsonNode m : spec.get("template")) {
      ObjectNode message = out.addObject();
      message.put("role", m.get("role").asText());
      message.put("content", fill(text(m.get("content"), "content"), item, json));
    }
    return out;
  }

  /**
   * {@code template} with each {@code {{item.x}}} replaced by the item's value (JSON unless text).
   */
  static String fill(String template, JsonNode item, ObjectMapper json) {
    Matcher m = REFERENCE.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      JsonNode value = field(item, m.group(1));
      m.appendReplacement(
          out, Matcher.quoteReplacement(value.isTextual() ? value.asText() : value.toString()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static JsonNode field(JsonNode item, String dottedPath) {
    JsonNode at = item;
    for (String name : dottedPath.substring(1).split("\\.")) {
      at = at.get(name);
      if (at == null) {
        throw new ItemException("the item has no field item" + dottedPath);
      }
    }
    return at;
  }

  /** A message's text: a string or an {@code input_text}/{@code text} part. */
  private static String text(JsonNode content, String at) {
    if (content != null && content.isTextual()) {
      return content.asText();
    }
    if (content != null && content.isObject() && content.path("text").isTextual()) {
      return content.get("text").asText();
    }
    throw ApiException.invalid(
        "Invalid '" + at + "': expected a string or {\"type\": \"input_text\", \"text\": ...}.",
        at);
  }

  /** A data item the run cannot use as it is (the item is reported as errored). */
  static final class ItemException extends RuntimeException {
    ItemException(String message) {
      super(message);
    }
  }
}
