package dev.lathe.tokenizer.tools;

import java.util.List;

/**
 * A finished output read as an assistant message: its text content and its tool calls.
 *
 * @param content the text before the first call (trailing whitespace removed), null when calls were
 *     found and there is no text before them; the whole output when no call was found
 * @param calls the calls in order; empty when none (then {@code finish_reason} stays {@code stop}
 *     or {@code length}, otherwise it is {@code tool_calls})
 */
public record ToolCallOutput(String content, List<ToolCall> calls) {
  public ToolCallOutput {
    calls = List.copyOf(calls);
  }

  /** Whether the output holds at least one call. */
  public boolean hasCalls() {
    return !calls.isEmpty();
  }
}
