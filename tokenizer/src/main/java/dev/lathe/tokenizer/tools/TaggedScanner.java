package dev.lathe.tokenizer.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * Calls between an opening marker and an optional closing one, each holding a JSON call object or
 * an array of them: Hermes/Qwen {@code <tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>}
 * (SmolLM2 writes {@code <tool_call>[{...}, ...]</tool_call>}, read the same way), and Mistral
 * {@code [TOOL_CALLS][{...}, ...]} (no closing marker: the array ends the calls). Content is the
 * text before the first opening marker; text between or after calls is dropped, as vLLM does.
 */
final class TaggedScanner implements CallScanner {
  private final String open;
  private final String close;

  /** {@code close} is null when the JSON value itself ends the calls. */
  TaggedScanner(String open, String close) {
    this.open = open;
    this.close = close;
  }

  @Override
  public Scan scan(String text, boolean finished) {
    int first = text.indexOf(open);
    if (first < 0) {
      return new Scan(
          finished
              ? text
              : text.substring(0, Holdback.certainEnd(text, 0, open, Holdback::anywhere)),
          List.of());
    }
    List<Scan.PartialCall> calls = new ArrayList<>();
    int at = first;
    while (at >= 0) {
      int body = at + open.length();
      int closeAt = close == null ? -1 : text.indexOf(close, body);
      boolean closed = closeAt >= 0;
      int end =
          closed
              ? closeAt
              : finished || close == null
                  ? text.length()
                  : Holdback.certainEnd(text, body, close, Holdback::anywhere);
      JsonCalls.Read read = JsonCalls.calls(text, body, end, closed || finished);
      calls.addAll(read.calls());
      int after = closed ? closeAt + close.length() : close == null ? read.end() : -1;
      at = after < 0 ? -1 : text.indexOf(open, after);
    }
    return new Scan(text.substring(0, first).stripTrailing(), calls);
  }
}
