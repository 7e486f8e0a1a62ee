package dev.lathe.tokenizer.tools;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * OpenAI's {@code tool_choice}, and what Lathe does with each (decisions a server follows):
 *
 * <ul>
 *   <li>{@link None}: the prompt is rendered with the tools as given (vLLM's default; the tools
 *       stay in the prompt so it is the same prompt as with {@code auto}) and the output is not
 *       parsed: it is all content, {@code finish_reason} {@code stop} or {@code length}.
 *   <li>{@link Auto}: rendered with tools, output parsed ({@link ToolCallParser}).
 *   <li>{@link Required}: a call is forced: the server prefills {@link CallSyntax#beforeName()},
 *       constrains the name to one of the tools' names, then writes {@link CallSyntax#afterName()}
 *       and constrains the arguments by that function's {@code parameters} schema, then {@link
 *       CallSyntax#afterArguments()}; the output is parsed like {@code auto}.
 *   <li>{@link Function}: as {@code required} with the name given: prefill {@link
 *       CallSyntax#prefix(String)}, constrain the arguments, close with {@link
 *       CallSyntax#suffix()}.
 * </ul>
 *
 * <p>When {@code tool_choice} is absent it is {@code auto} if the request has tools, else {@code
 * none} (OpenAI's defaults).
 */
public sealed interface ToolChoice {

  /** No call: output not parsed. */
  record None() implements ToolChoice {}

  /** The model decides: output parsed. */
  record Auto() implements ToolChoice {}

  /** At least one call, of any of the tools. */
  record Required() implements ToolChoice {}

  /** A call of the function {@code name}. */
  record Function(String name) implements ToolChoice {}

  /** Whether the output is read for calls. */
  default boolean parsesOutput() {
    return !(this instanceof None);
  }

  /** Whether the server must force a call. */
  default boolean forcesCall() {
    return this instanceof Required || this instanceof Function;
  }

  /** The function a call is forced of, for {@link Function}. */
  default Optional<String> functionName() {
    return this instanceof Function f ? Optional.of(f.name()) : Optional.empty();
  }

  /**
   * The choice {@code toolChoice} (the request's field; null or missing when absent) stands for,
   * once {@link ToolRequestCheck#problems} found none.
   *
   * @throws IllegalArgumentException when it is not a valid {@code tool_choice}
   */
  static ToolChoice read(JsonNode toolChoice, boolean hasTools) {
    if (toolChoice == null || toolChoice.isNull() || toolChoice.isMissingNode()) {
      return hasTools ? new Auto() : new None();
    }
    if (toolChoice.isTextual()) {
      return switch (toolChoice.asText()) {
        case "none" -> new None();
        case "auto" -> new Auto();
        case "required" -> new Required();
        default ->
            throw new IllegalArgumentException(
                "tool_choice: expected 'none', 'auto', 'required' or a function object, got '"
                    + toolChoice.asText()
                    + "'");
      };
    }
    JsonNode name = toolChoice.path("function").path("name");
    if (!toolChoice.path("type").asText().equals("function") || !name.isTextual()) {
      throw new IllegalArgumentException(
          "tool_choice: expected {\"type\": \"function\", \"function\": {\"name\": ...}}, got "
              + toolChoice);
    }
    return new Function(name.asText());
  }
}
