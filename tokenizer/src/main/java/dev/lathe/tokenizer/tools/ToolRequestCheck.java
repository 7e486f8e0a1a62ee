package dev.lathe.tokenizer.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a chat request's {@code tools}, {@code tool_choice}, {@code parallel_tool_calls} and tool
 * messages before anything is rendered; a server answers each {@link ToolProblem} with a 400 naming
 * its {@code param}. Pure: nothing but the arguments is read.
 */
public final class ToolRequestCheck {
  /** OpenAI's rule for function names. */
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

  private ToolRequestCheck() {}

  /**
   * Every problem found, in field order; empty when the request is fine. Absent fields are passed
   * as null.
   */
  public static List<ToolProblem> problems(
      JsonNode tools, JsonNode toolChoice, JsonNode parallelToolCalls, List<ChatMessage> messages) {
    List<ToolProblem> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    boolean hasTools = present(tools);
    if (hasTools) {
      checkTools(tools, names, problems);
    }
    if (present(toolChoice)) {
      checkChoice(toolChoice, hasTools, names, problems);
    }
    if (present(parallelToolCalls) && !parallelToolCalls.isBoolean()) {
      problems.add(
          new ToolProblem(
              "parallel_tool_calls",
              "parallel_tool_calls must be true or false, got " + parallelToolCalls));
    }
    checkToolMessages(messages, problems);
    return problems;
  }

  private static boolean present(JsonNode node) {
    return node != null && !node.isNull() && !node.isMissingNode();
  }

  private static void checkTools(JsonNode tools, Set<String> names, List<ToolProblem> problems) {
    if (!tools.isArray()) {
      problems.add(
          new ToolProblem(
              "tools", "tools must be an array of {\"type\": \"function\", \"function\": {...}}"));
      return;
    }
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String at = "tools[" + i + "]";
      if (!tool.isObject()) {
        problems.add(new ToolProblem(at, at + " must be an object"));
        continue;
      }
      if (!tool.path("type").asText("").equals("function")) {
        problems.add(
            new ToolProblem(
                at + ".type",
                at
                    + ".type must be 'function' (the only tool type chat completions serve), got "
                    + (tool.has("type") ? tool.get("type") : "nothing")));
      }
      JsonNode function = tool.path("function");
      if (!function.isObject()) {
        problems.add(
            new ToolProblem(
                at + ".function", at + ".function is missing: give {\"name\": ..., ...}"));
        continue;
      }
      JsonNode name = function.path("name");
      if (!name.isTextual() || !NAME.matcher(name.asText()).matches()) {
        problems.add(
            new ToolProblem(
                at + ".function.name",
                at
                    + ".function.name must be 1 to 64 letters, digits, underscores or dashes, got "
                    + (name.isMissingNode() ? "nothing" : name)));
      } else if (!names.add(name.asText())) {
        problems.add(
            new ToolProblem(
                at + ".function.name",
                at + ".function.name '" + name.asText() + "' is defined twice; names must differ"));
      }
      JsonNode parameters = function.path("parameters");
      if (!parameters.isMissingNode() && !parameters.isObject()) {
        problems.add(
            new ToolProblem(
                at + ".function.parameters",
                at + ".function.parameters must be a JSON Schema object, got " + parameters));
      }
      JsonNode description = function.path("description");
      if (!description.isMissingNode() && !description.isTextual()) {
        problems.add(
            new ToolProblem(
                at + ".function.description", at + ".function.description must be a string"));
      }
    }
  }

  private static void checkChoice(
      JsonNode toolChoice, boolean hasTools, Set<String> names, List<ToolProblem> problems) {
    ToolChoice choice;
    try {
      choice = ToolChoice.read(toolChoice, hasTools);
    } catch (IllegalArgumentException e) {
      problems.add(new ToolProblem("tool_choice", e.getMessage()));
      return;
    }
    if (choice.forcesCall() && !hasTools) {
      problems.add(
          new ToolProblem(
              "tool_choice",
              "tool_choice "
                  + (choice instanceof ToolChoice.Function ? "naming a function" : "'required'")
                  + " needs tools: give the functions in 'tools'"));
    } else if (choice instanceof ToolChoice.Function f && hasTools && !names.contains(f.name())) {
      problems.add(
          new ToolProblem(
              "tool_choice.function.name",
              "tool_choice names the function '"
                  + f.name()
                  + "', which is not in tools (they define "
                  + (names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList()))
                  + ")"));
    }
  }

  private static void checkToolMessages(List<ChatMessage> messages, List<ToolProblem> problems) {
    Set<String> callIds = new HashSet<>();
    for (int m = 0; m < messages.size(); m++) {
      ChatMessage message = messages.get(m);
      for (Map<String, Object> call : message.toolCalls()) {
        if (call.get("id") instanceof String id) {
          callIds.add(id);
        }
      }
      if (!message.role().equals("tool")) {
        continue;
      }
      String at = "messages[" + m + "].tool_call_id";
      if (message.toolCallId() == null) {
        problems.add(
            new ToolProblem(at, at + " is missing: a tool message answers an earlier tool call"));
      } else if (!callIds.contains(message.toolCallId())) {
        problems.add(
            new ToolProblem(
                at,
                at
                    + " '"
                    + message.toolCallId()
                    + "' matches no tool call of an earlier assistant message; give the id of"
                    + " the call this result answers"));
      }
    }
  }
}
