package dev.lathe.tokenizer.tools;

import java.util.Objects;

/**
 * One function call read from a model's output, in OpenAI's terms ({@code message.tool_calls[i]}
 * with {@code type: "function"}).
 *
 * @param id {@code call_…}, from the parser's injected id source
 * @param name the function's name as the model wrote it
 * @param arguments the arguments as the model wrote them: usually a JSON object, but, as in
 *     OpenAI's API, a string that may not be valid JSON (a small or unconstrained model's output is
 *     returned as written, never repaired); {@code {}} when the call has none
 */
public record ToolCall(String id, String name, String arguments) {
  public ToolCall {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
  }
}
