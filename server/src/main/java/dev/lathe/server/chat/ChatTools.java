package dev.lathe.server.chat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.ChatModel;
import dev.lathe.server.http.ApiException;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.tools.ToolCall;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.tokenizer.tools.ToolChoice;
import dev.lathe.tokenizer.tools.ToolProblem;
import dev.lathe.tokenizer.tools.ToolRequestCheck;
import java.util.List;
import java.util.Map;

/**
 * A chat request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}: checked
 * (every problem of the request at once, the first one's field in {@code param}), rendered by the
 * model's own chat template (Lathe's {@code <tool>}/{@code <call>} lines for a template-less model,
 * the same format training renders), and the reply read back into OpenAI's {@code tool_calls}.
 *
 * <p>A model whose template has tools but no known call format (e.g. the first Llama 3 release) is
 * refused with a 400 naming {@code tools}, rather than answered with calls no one parses. {@code
 * tool_choice: "none"} renders the tools but reads nothing back, as vLLM does.
 *
 * @param definitions the tools as the template reads them (empty for none)
 * @param choice what {@code tool_choice} asks for
 * @param parallel {@code parallel_tool_calls} (true unless false is given)
 * @param json the request's {@code tools} array, as given (null for none)
 */
record ChatTools(
    List<Map<String, Object>> definitions, ToolChoice choice, boolean parallel, JsonNode json) {

  private static final TypeReference<List<Map<String, Object>>> MAPS = new TypeReference<>() {};

  /** Reads and checks the tool fields of {@code body} against its {@code messages}. */
  static ChatTools read(JsonNode body, List<ChatMessage> messages, ObjectMapper mapper) {
    JsonNode tools = body.get("tools");
    JsonNode toolChoice = body.get("tool_choice");
    JsonNode parallel = body.get("parallel_tool_calls");
    List<ToolProblem> problems = ToolRequestCheck.problems(tools, toolChoice, parallel, messages);
    if (!problems.isEmpty()) {
      StringBuilder message = new StringBuilder();
      for (ToolProblem p : problems) {
        message.append(message.isEmpty() ? "" : " ").append(p.message()).append('.');
      }
      throw ApiException.invalid(message.toString(), problems.getFirst().param());
    }
    boolean has = tools != null && !tools.isNull() && !tools.isEmpty();
    List<Map<String, Object>> definitions =
        has ? mapper.convertValue(tools, MAPS) : List.<Map<String, Object>>of();
    return new ChatTools(
        definitions,
        ToolChoice.read(toolChoice, has),
        parallel == null || parallel.isNull() || parallel.asBoolean(),
        has ? tools : null);
  }

  /** Whether the request gave tools. */
  boolean any() {
    return !definitions.isEmpty();
  }

  /**
   * The prompt for {@code messages} with these tools, after checking the model can take them; also
   * the format its calls are read in (null when the reply is not read for calls).
   */
  Rendered render(ChatModel chat, List<ChatMessage> messages, String model) {
    if (!any()) {
      return new Rendered(chat.conversation(messages), null);
    }
    ToolCallFormat format =
        chat.toolCallFormat()
            .orElseThrow(
                () ->
                    ApiException.invalid(
                        "The model `"
                            + model
                            + "` cannot call tools: its chat template renders tools but uses no"
                            + " tool-call format Lathe can read (Hermes/Qwen, Llama 3.1 JSON,"
                            + " Mistral, or Lathe's plain format). Remove 'tools' or use another"
                            + " model.",
                        "tools"));
    return new Rendered(
        chat.conversation(messages, definitions), choice.parsesOutput() ? format : null);
  }

  /** A rendered prompt and the format its reply is read in (null: not read for calls). */
  record Rendered(int[] prompt, ToolCallFormat format) {}

  /** OpenAI's {@code message.tool_calls} (or a delta's) entry for {@code call}. */
  static ObjectNode callJson(ArrayNode into, ToolCall call) {
    ObjectNode o = into.addObject();
    o.put("id", call.id());
    o.put("type", "function");
    ObjectNode f = o.putObject("function");
    f.put("name", call.name());
    f.put("arguments", call.arguments());
    return o;
  }
}
