package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.DATA_TYPE;
import static dev.lathe.dataset.IssueCode.INVALID_CONTENT;
import static dev.lathe.dataset.IssueCode.INVALID_TOOL_CALL;
import static dev.lathe.dataset.IssueCode.INVALID_VALUE;
import static dev.lathe.dataset.IssueCode.INVALID_WEIGHT;
import static dev.lathe.dataset.IssueCode.MESSAGE_MISSING_KEY;
import static dev.lathe.dataset.IssueCode.MESSAGE_UNRECOGNIZED_KEY;
import static dev.lathe.dataset.IssueCode.MISSING_CONTENT;
import static dev.lathe.dataset.IssueCode.TOOL_CALL_ARGUMENTS_NOT_STRING;
import static dev.lathe.dataset.IssueCode.UNRECOGNIZED_ROLE;
import static dev.lathe.dataset.LineIssues.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;

/**
 * The checks of one chat message, a superset of the cookbook's: every role, key and content shape
 * the fine-tuning API accepts passes (tool calls, tool messages, null content beside a call,
 * content parts, refusal, weight).
 */
final class MessageChecks {
  /** Roles a message may have. */
  static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool", "function");

  /** The cookbook's keys, accepted on every role. */
  private static final Set<String> COMMON_KEYS =
      Set.of("role", "content", "name", "weight", "function_call");

  private static final String ROLE_LIST = "system, developer, user, assistant, tool or function";

  private MessageChecks() {}

  /**
   * Checks one message at {@code path} (e.g. {@code messages[2]}); returns its role when it is
   * recognized, else null.
   */
  static String check(JsonNode m, String path, LineIssues out) {
    if (!m.isObject()) {
      out.report(
          DATA_TYPE,
          path,
          path
              + " is "
              + kind(m)
              + "; each message must be an object such as {\"role\": \"user\", \"content\": \"...\"}.");
      return null;
    }
    JsonNode roleNode = m.get("role");
    String role = null;
    if (roleNode == null) {
      out.report(
          MESSAGE_MISSING_KEY,
          path + ".role",
          "The message has no \"role\"; add \"role\": one of " + ROLE_LIST + ".");
    } else if (!roleNode.isTextual() || !ROLES.contains(roleNode.textValue())) {
      out.report(
          UNRECOGNIZED_ROLE,
          path + ".role",
          "Role "
              + (roleNode.isTextual() ? "\"" + roleNode.textValue() + "\"" : kind(roleNode))
              + " is not recognized; use one of "
              + ROLE_LIST
              + " (lower case).");
    } else {
      role = roleNode.textValue();
    }
    for (Iterator<String> keys = m.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!allowed(role, key)) {
        out.report(
            MESSAGE_UNRECOGNIZED_KEY,
            path + "." + key,
            "\""
                + key
                + "\" is not a key of "
                + (role == null ? "a message" : "a " + role + " message")
                + "; allowed: "
                + allowedKeys(role)
                + ". Remove it or fix its spelling.");
      }
    }
    if (role == null) {
      return null;
    }
    JsonNode name = m.get("name");
    if (name != null && !name.isTextual()) {
      out.report(
          INVALID_VALUE, path + ".name", "\"name\" must be a string, not " + kind(name) + ".");
    }
    JsonNode weight = m.get("weight");
    if (weight != null && !role.equals("assistant")) {
      out.report(
          IssueCode.WEIGHT_IGNORED,
          path + ".weight",
          "\"weight\" only selects which assistant messages are trained on; on a "
              + role
              + " message it is ignored. Remove it.");
    } else if (weight != null && !isWeight(weight, true)) {
      out.report(
          INVALID_WEIGHT,
          path + ".weight",
          "\"weight\" is "
              + kind(weight)
              + "; it must be a number from 0 (do not train on this message) to 1 (train on it"
              + " fully).");
    } else if (weight != null && !isZeroOrOne(weight)) {
      out.report(
          IssueCode.FRACTIONAL_WEIGHT,
          path + ".weight",
          "\"weight\" "
              + weight.asText()
              + " scales this message's loss in Lathe; OpenAI accepts only 0 and 1 and would refuse"
              + " this file.");
    }
    checkContent(m, role, path, out);
    switch (role) {
      case "assistant" -> checkCalls(m, path, out);
      case "tool" ->
          requireString(m, "tool_call_id", path, out, "the id of the tool call it answers");
      case "function" -> requireString(m, "name", path, out, "the name of the function that ran");
      default -> {}
    }
    if (!role.equals("assistant") && m.has("function_call")) {
      checkFunctionCall(m.get("function_call"), path + ".function_call", out);
    }
    return role;
  }

  /**
   * Whether {@code weight} is a number in [0, 1] ({@code zeroAllowed}) or (0, 1]: Lathe's float
   * weights.
   */
  static boolean isWeight(JsonNode weight, boolean zeroAllowed) {
    if (!weight.isNumber()) {
      return false;
    }
    double w = weight.asDouble();
    return (zeroAllowed ? w >= 0 : w > 0) && w <= 1;
  }

  static boolean isZeroOrOne(JsonNode weight) {
    return weight.isIntegralNumber() && (weight.asLong() == 0 || weight.asLong() == 1);
  }

  private static boolean allowed(String role, String key) {
    if (COMMON_KEYS.contains(key)) {
      return true;
    }
    if (role == null) { // unknown role: accept any key some role accepts
      return key.equals("tool_calls")
          || key.equals("refusal")
          || key.equals("audio")
          || key.equals("tool_call_id");
    }
    return switch (role) {
      case "assistant" -> key.equals("tool_calls") || key.equals("refusal") || key.equals("audio");
      case "tool" -> key.equals("tool_call_id");
      default -> false;
    };
  }

  private static String allowedKeys(String role) {
    String common = "role, content, name, weight, function_call";
    if (role == null) {
      return common + ", and per role tool_calls, refusal, audio (assistant), tool_call_id (tool)";
    }
    return switch (role) {
      case "assistant" -> common + ", tool_calls, refusal, audio";
      case "tool" -> common + ", tool_call_id";
      default -> common;
    };
  }

  private static void checkContent(JsonNode m, String role, String path, LineIssues out) {
    boolean assistant = role.equals("assistant");
    boolean call = m.hasNonNull("tool_calls") || m.hasNonNull("function_call");
    boolean optional = call || (assistant && m.hasNonNull("refusal"));
    JsonNode c = m.get("content");
    String where = path + ".content";
    if (c == null) {
      if (!optional) {
        out.report(
            MESSAGE_MISSING_KEY,
            where,
            "The "
                + role
                + " message has no \"content\"; add its text as \"content\": \"...\""
                + (assistant ? " (or give the assistant message \"tool_calls\")." : "."));
      }
    } else if (c.isNull()) {
      if (!optional && !role.equals("function")) { // a function's result may be null
        out.report(
            MISSING_CONTENT,
            where,
            "\"content\" is null; only an assistant message with \"tool_calls\" or"
                + " \"function_call\" may have null content. Put the message's text there.");
      }
    } else if (c.isTextual()) {
      if (c.textValue().isEmpty() && !optional) {
        out.report(
            MISSING_CONTENT,
            where,
            "\"content\" is an empty string; write the " + role + "'s text or drop the message.");
      }
    } else if (c.isArray()) {
      if (c.isEmpty() && !optional) {
        out.report(
            MISSING_CONTENT,
            where,
            "\"content\" is an empty array; add a {\"type\": \"text\"} part.");
      }
      for (int j = 0; j < c.size(); j++) {
        checkPart(c.get(j), role, where + "[" + j + "]", out);
      }
    } else {
      out.report(
          INVALID_CONTENT,
          where,
          "\"content\" is "
              + kind(c)
              + "; it must be a string or an array of content parts such as"
              + " [{\"type\": \"text\", \"text\": \"...\"}].");
    }
  }

  private static void checkPart(JsonNode part, String role, String path, LineIssues out) {
    if (!part.isObject()) {
      out.report(
          INVALID_CONTENT,
          path,
          "A content part must be an object such as {\"type\": \"text\", \"text\": \"...\"}, not "
              + kind(part)
              + ".");
      return;
    }
    JsonNode type = part.get("type");
    String t = type != null && type.isTextual() ? type.textValue() : null;
    if (t == null) {
      out.report(
          INVALID_CONTENT,
          path + ".type",
          "The content part has no string \"type\"; use \"text\""
              + (role.equals("user") ? " or \"image_url\"." : "."));
      return;
    }
    switch (t) {
      case "text" -> requirePartString(part, "text", path, out);
      case "refusal" -> {
        if (!role.equals("assistant")) {
          out.report(
              INVALID_CONTENT, path + ".type", "Only assistant messages may hold refusal parts.");
        } else {
          requirePartString(part, "refusal", path, out);
        }
      }
      case "image_url" -> {
        if (!role.equals("user")) {
          out.report(
              INVALID_CONTENT,
              path + ".type",
              "Images are only allowed in user messages (not in " + role + " messages).");
        } else {
          JsonNode image = part.get("image_url");
          if (image == null || !image.isObject() || !image.path("url").isTextual()) {
            out.report(
                INVALID_CONTENT,
                path + ".image_url",
                "An image part needs \"image_url\": {\"url\": \"https://... or data:image/...\"}.");
          }
        }
      }
      default ->
          out.report(
              INVALID_CONTENT,
              path + ".type",
              "Content part type \""
                  + t
                  + "\" is not supported for fine-tuning: input messages may contain text or image"
                  + " content only (audio and file parts are not supported).");
    }
  }

  private static void requirePartString(JsonNode part, String key, String path, LineIssues out) {
    JsonNode v = part.get(key);
    if (v == null || !v.isTextual()) {
      out.report(
          INVALID_CONTENT,
          path + "." + key,
          "A \"" + key + "\" part needs \"" + key + "\": a string, found " + kind(v) + ".");
    }
  }

  private static void requireString(
      JsonNode m, String key, String path, LineIssues out, String what) {
    JsonNode v = m.get(key);
    if (v == null) {
      out.report(
          MESSAGE_MISSING_KEY,
          path + "." + key,
          "The message needs \"" + key + "\": " + what + ".");
    } else if (!v.isTextual()) {
      out.report(
          INVALID_VALUE,
          path + "." + key,
          "\"" + key + "\" must be a string, not " + kind(v) + ".");
    }
  }

  private static void checkCalls(JsonNode m, String path, LineIssues out) {
    JsonNode calls = m.get("tool_calls");
    if (calls != null && !calls.isNull()) {
      if (!calls.isArray() || calls.isEmpty()) {
        out.report(
            INVALID_TOOL_CALL,
            path + ".tool_calls",
            "\"tool_calls\" must be a non-empty array of {\"id\": \"...\", \"type\": \"function\","
                + " \"function\": {\"name\": \"...\", \"arguments\": \"{...}\"}}; found "
                + kind(calls)
                + ".");
      } else {
        for (int j = 0; j < calls.size(); j++) {
          checkToolCall(calls.get(j), path + ".tool_calls[" + j + "]", out);
        }
      }
    }
    if (m.has("function_call")) {
      checkFunctionCall(m.get("function_call"), path + ".function_call", out);
    }
    JsonNode refusal = m.get("refusal");
    if (refusal != null && !refusal.isNull() && !refusal.isTextual()) {
      out.report(
          INVALID_VALUE, path + ".refusal", "\"refusal\" must be a string, not " + kind(refusal));
    }
  }

  private static void checkToolCall(JsonNode call, String path, LineIssues out) {
    if (!call.isObject()) {
      out.report(INVALID_TOOL_CALL, path, "A tool call must be an object, not " + kind(call) + ".");
      return;
    }
    JsonNode id = call.get("id");
    if (id == null || !id.isTextual() || id.textValue().isEmpty()) {
      out.report(
          INVALID_TOOL_CALL,
          path + ".id",
          "The tool call needs a non-empty string \"id\" (the tool message answering it repeats it"
              + " as \"tool_call_id\").");
    }
    JsonNode type = call.get("type");
    if (type == null || !"function".equals(type.asText(null))) {
      out.report(
          INVALID_TOOL_CALL,
          path + ".type",
          "The tool call needs \"type\": \"function\", found " + kind(type) + ".");
    }
    checkFunctionCall(call.get("function"), path + ".function", out);
  }

  /** {@code {"name": "...", "arguments": "<JSON text>"}} as in tool calls and function_call. */
  private static void checkFunctionCall(JsonNode f, String path, LineIssues out) {
    if (f == null || !f.isObject()) {
      out.report(
          INVALID_TOOL_CALL,
          path,
          "Expected {\"name\": \"...\", \"arguments\": \"{...}\"}, found " + kind(f) + ".");
      return;
    }
    JsonNode name = f.get("name");
    if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
      out.report(
          INVALID_TOOL_CALL, path + ".name", "The function needs a non-empty string \"name\".");
    }
    JsonNode args = f.get("arguments");
    if (args == null) {
      out.report(
          INVALID_TOOL_CALL,
          path + ".arguments",
          "The function call needs \"arguments\": a string of JSON, e.g. \"{\\\"city\\\": \\\"Paris\\\"}\".");
    } else if (!args.isTextual()) {
      out.report(
          TOOL_CALL_ARGUMENTS_NOT_STRING,
          path + ".arguments",
          "\"arguments\" is "
              + kind(args)
              + "; it must be a string holding JSON, e.g. \"{\\\"city\\\": \\\"Paris\\\"}\""
              + " (serialize the object with json.dumps).");
    }
  }
}
