package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.ALL_WEIGHTS_ZERO;
import static dev.lathe.dataset.IssueCode.EXAMPLE_MISSING_ASSISTANT_MESSAGE;
import static dev.lathe.dataset.IssueCode.INVALID_TOOLS;
import static dev.lathe.dataset.IssueCode.INVALID_VALUE;
import static dev.lathe.dataset.IssueCode.MISSING_MESSAGES_LIST;
import static dev.lathe.dataset.IssueCode.TOOL_CALL_UNANSWERED;
import static dev.lathe.dataset.IssueCode.TOOL_MESSAGE_UNKNOWN_ID;
import static dev.lathe.dataset.IssueCode.UNRECOGNIZED_KEY;
import static dev.lathe.dataset.LineIssues.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The checks of a conversation object: {@code {"messages": [...], "tools"?, "functions"?,
 * "parallel_tool_calls"?}}, the whole example of a chat file and the {@code input} of a preference
 * example. Tool calls are matched with the tool messages answering them.
 */
final class ChatChecks {
  /** Bits of the result: which roles the conversation has. */
  static final int HAS_SYSTEM = 1;

  static final int HAS_USER = 2;

  private static final Set<String> KEYS =
      Set.of("messages", "tools", "functions", "parallel_tool_calls");

  private ChatChecks() {}

  /**
   * A chat example's own {@code weight}, a Lathe extension that scales the loss of all its trained
   * tokens: a number in (0, 1] (an example that should train nothing is removed instead).
   */
  private static void checkExampleWeight(JsonNode weight, LineIssues out) {
    if (!MessageChecks.isWeight(weight, false)) {
      out.report(
          IssueCode.INVALID_WEIGHT,
          "weight",
          "The example's \"weight\" is "
              + kind(weight)
              + "; it must be a number above 0 and at most 1 (remove the example rather than give"
              + " it weight 0).");
    } else {
      out.report(
          IssueCode.EXAMPLE_WEIGHT,
          "weight",
          "The example's \"weight\" "
              + weight.asText()
              + " scales its loss in Lathe; OpenAI has no per-example weight and accepts only"
              + " per-message weights of 0 and 1.");
    }
  }

  /**
   * Checks {@code conversation}, whose path is {@code prefix} ("" or "input."); {@code
   * needsAssistant} is true for a chat example (it must train on something). Returns {@link
   * #HAS_SYSTEM} | {@link #HAS_USER} bits, or -1 when the messages are missing or a role is not
   * recognized (the roles present are then unknown).
   */
  static int check(JsonNode conversation, String prefix, boolean needsAssistant, LineIssues out) {
    for (Iterator<String> keys = conversation.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (prefix.isEmpty() && key.equals("weight")) {
        checkExampleWeight(conversation.get(key), out);
      } else if (!KEYS.contains(key)) {
        out.report(
            UNRECOGNIZED_KEY,
            prefix + key,
            "\""
                + key
                + "\" is not a key of a "
                + (prefix.isEmpty() ? "chat example" : "preference input")
                + " (messages, tools, functions, parallel_tool_calls); training ignores it.");
      }
    }
    checkTools(conversation, prefix, out);
    JsonNode messages = conversation.get("messages");
    String listPath = prefix + "messages";
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      out.report(
          MISSING_MESSAGES_LIST,
          listPath,
          (messages == null
                  ? "The example has no \"messages\" list"
                  : "\"messages\" is " + (messages.isArray() ? "empty" : kind(messages)))
              + "; it must be a non-empty array of {\"role\": ..., \"content\": ...} objects.");
      return -1;
    }
    int roles = 0;
    boolean unknownRole = false;
    int assistants = 0;
    int weightedZero = 0;
    List<String> callIds = null; // tool calls seen so far, with where they are
    List<String> callPaths = null;
    List<Integer> callMessage = null;
    boolean[] answered = null;
    int n = messages.size();
    for (int i = 0; i < n; i++) {
      JsonNode m = messages.get(i);
      String path = listPath + "[" + i + "]";
      String role = MessageChecks.check(m, path, out);
      if (role == null) {
        unknownRole = true;
        continue;
      }
      switch (role) {
        case "system", "developer" -> roles |= HAS_SYSTEM;
        case "user" -> roles |= HAS_USER;
        case "assistant" -> {
          assistants++;
          JsonNode w = m.get("weight");
          if (w != null && MessageChecks.isWeight(w, true) && w.asDouble() == 0) {
            weightedZero++;
          }
          JsonNode calls = m.get("tool_calls");
          if (calls != null && calls.isArray()) {
            for (int j = 0; j < calls.size(); j++) {
              JsonNode id = calls.get(j).get("id");
              if (id != null && id.isTextual()) {
                if (callIds == null) {
                  callIds = new ArrayList<>();
                  callPaths = new ArrayList<>();
                  callMessage = new ArrayList<>();
                }
                callIds.add(id.textValue());
                callPaths.add(path + ".tool_calls[" + j + "].id");
                callMessage.add(i);
              }
            }
            if (callIds != null && (answered == null || answered.length < callIds.size())) {
              answered =
                  Arrays.copyOf(answered == null ? new boolean[0] : answered, callIds.size());
            }
          }
        }
        case "tool" -> {
          JsonNode id = m.get("tool_call_id");
          if (id != null && id.isTextual()) {
            int k = callIds == null ? -1 : callIds.lastIndexOf(id.textValue());
            if (k < 0) {
              out.report(
                  TOOL_MESSAGE_UNKNOWN_ID,
                  path + ".tool_call_id",
                  "No earlier assistant tool call has id \""
                      + id.textValue()
                      + "\"; a tool message must answer a call of a previous assistant message"
                      + " (copy that call's \"id\" into \"tool_call_id\").");
            } else {
              answered[k] = true;
            }
          }
        }
        default -> {}
      }
    }
    if (callIds != null) {
      for (int k = 0; k < callIds.size(); k++) {
        if (!answered[k] && callMessage.get(k) < n - 1) {
          out.report(
              TOOL_CALL_UNANSWERED,
              callPaths.get(k),
              "Tool call \""
                  + callIds.get(k)
                  + "\" is followed by more messages but no tool message answers it; add"
                  + " {\"role\": \"tool\", \"tool_call_id\": \""
                  + callIds.get(k)
                  + "\", \"content\": \"...\"} after the call (only a final assistant message may"
                  + " leave its calls unanswered).");
        }
      }
    }
    if (unknownRole) {
      return -1; // which message was meant as the reply is unknown: the role error says enough
    }
    if (needsAssistant && assistants == 0) {
      out.report(
          EXAMPLE_MISSING_ASSISTANT_MESSAGE,
          listPath,
          "The example has no assistant message, so there is nothing to train on; add the reply"
              + " you want as {\"role\": \"assistant\", \"content\": \"...\"}.");
    } else if (needsAssistant && weightedZero == assistants) {
      out.report(
          ALL_WEIGHTS_ZERO,
          listPath,
          "Every assistant message has \"weight\": 0, so the example trains on nothing; set"
              + " \"weight\": 1 (or drop \"weight\") on the replies to learn.");
    }
    return roles;
  }

  private static void checkTools(JsonNode conversation, String prefix, LineIssues out) {
    JsonNode parallel = conversation.get("parallel_tool_calls");
    if (parallel != null && !parallel.isBoolean()) {
      out.report(
          INVALID_VALUE,
          prefix + "parallel_tool_calls",
          "\"parallel_tool_calls\" must be true or false, not " + kind(parallel) + ".");
    }
    JsonNode tools = conversation.get("tools");
    if (tools != null) {
      if (!tools.isArray()) {
        out.report(
            INVALID_TOOLS,
            prefix + "tools",
            "\"tools\" must be an array of {\"type\": \"function\", \"function\": {\"name\": ...,"
                + " \"parameters\": {...}}}, not "
                + kind(tools)
                + ".");
      } else {
        for (int i = 0; i < tools.size(); i++) {
          JsonNode tool = tools.get(i);
          String path = prefix + "tools[" + i + "]";
          if (!tool.isObject() || !"function".equals(tool.path("type").asText(null))) {
            out.report(
                INVALID_TOOLS,
                path + ".type",
                "Each tool must be an object with \"type\": \"function\" and a \"function\".");
          } else {
            checkFunctionDefinition(tool.get("function"), path + ".function", out);
          }
        }
      }
    }
    JsonNode functions = conversation.get("functions");
    if (functions != null) {
      if (!functions.isArray()) {
        out.report(
            INVALID_TOOLS,
            prefix + "functions",
            "\"functions\" must be an array of {\"name\": ..., \"parameters\": {...}}, not "
                + kind(functions)
                + ".");
      } else {
        for (int i = 0; i < functions.size(); i++) {
          checkFunctionDefinition(functions.get(i), prefix + "functions[" + i + "]", out);
        }
      }
    }
  }

  private static void checkFunctionDefinition(JsonNode f, String path, LineIssues out) {
    if (f == null || !f.isObject()) {
      out.report(
          INVALID_TOOLS,
          path,
          "A function definition must be an object {\"name\": ..., \"description\"?: ...,"
              + " \"parameters\"?: {JSON schema}}, found "
              + kind(f)
              + ".");
      return;
    }
    JsonNode name = f.get("name");
    if (name == null || !name.isTextual() || name.textValue().isEmpty()) {
      out.report(INVALID_TOOLS, path + ".name", "The function needs a non-empty string \"name\".");
    }
    JsonNode params = f.get("parameters");
    if (params != null && !params.isObject()) {
      out.report(
          INVALID_TOOLS,
          path + ".parameters",
          "\"parameters\" must be a JSON schema object, not " + kind(params) + ".");
    }
  }
}
