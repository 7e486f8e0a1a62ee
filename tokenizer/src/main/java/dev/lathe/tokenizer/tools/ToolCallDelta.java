package dev.lathe.tokenizer.tools;

/**
 * One piece of a streamed assistant message, in the order of OpenAI's {@code chat.completion.chunk}
 * deltas: content text, then per call first its {@link Start} ({@code delta.tool_calls[0]} with
 * {@code index}, {@code id}, {@code type: "function"}, {@code function.name} and {@code
 * function.arguments: ""}), then its {@link Arguments} fragments ({@code {"index": i, "function":
 * {"arguments": "..."}}}).
 */
public sealed interface ToolCallDelta {

  /** Text of {@code delta.content}. */
  record Content(String text) implements ToolCallDelta {}

  /** A call begins: its index among the message's calls, its id and the function's name. */
  record Start(int index, String id, String name) implements ToolCallDelta {}

  /** The next fragment of call {@code index}'s arguments string. */
  record Arguments(int index, String fragment) implements ToolCallDelta {}
}
