package dev.lathe.tokenizer.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Reads a model's finished output as an assistant message with tool calls ({@link #parse}), or
 * starts a {@link ToolCallStream} for output that arrives in pieces. Both read the same way: the
 * streamed deltas add up to what {@link #parse} returns for the whole text.
 *
 * <p>Rules, the same for every {@link ToolCallFormat}: the content is the text before the first
 * call (trailing whitespace removed; null when empty); text between and after calls is dropped (as
 * vLLM's parsers do); a call whose name cannot be read is dropped; arguments are returned as
 * written ({@code {}} when absent), valid JSON or not; when no call can be read the whole output is
 * the content. With {@code parallelToolCalls} false only the first call is returned (OpenAI's
 * {@code parallel_tool_calls: false}: at most one call per turn; vLLM likewise keeps the first).
 * Ids come from the injected {@code ids} (e.g. {@code "call_" +} 24 random alphanumerics, see
 * {@link ToolCallIds}), one per returned call, in order.
 *
 * <p>Which {@code tool_choice} parses: {@code auto}, {@code required} and a named function do; with
 * {@code none} a server does not parse (see {@link ToolChoice}).
 */
public final class ToolCallParser {
  private final ToolCallFormat format;
  private final boolean parallelToolCalls;
  private final Supplier<String> ids;

  public ToolCallParser(ToolCallFormat format, boolean parallelToolCalls, Supplier<String> ids) {
    this.format = Objects.requireNonNull(format);
    this.parallelToolCalls = parallelToolCalls;
    this.ids = Objects.requireNonNull(ids);
  }

  /** The format read. */
  public ToolCallFormat format() {
    return format;
  }

  /** {@code text}, a complete output (without the end-of-turn token), as content and calls. */
  public ToolCallOutput parse(String text) {
    Scan scan = format.scan(text, true);
    List<Scan.PartialCall> usable = usable(scan, parallelToolCalls);
    if (usable.isEmpty()) {
      return new ToolCallOutput(text, List.of());
    }
    List<ToolCall> calls = new ArrayList<>(usable.size());
    for (Scan.PartialCall call : usable) {
      calls.add(new ToolCall(ids.get(), call.name(), call.arguments()));
    }
    return new ToolCallOutput(scan.content().isEmpty() ? null : scan.content(), calls);
  }

  /** A stream reader for one output; not thread-safe. */
  public ToolCallStream stream() {
    return new ToolCallStream(format, parallelToolCalls, ids);
  }

  /**
   * The calls to return, in order: those with a name; a complete call without one is malformed and
   * skipped, an unfinished one stops the list (its name may still come, and calls must keep their
   * order). Only the first with {@code parallel} false.
   */
  static List<Scan.PartialCall> usable(Scan scan, boolean parallel) {
    List<Scan.PartialCall> out = new ArrayList<>();
    for (Scan.PartialCall call : scan.calls()) {
      if (!parallel && !out.isEmpty()) {
        break;
      }
      if (call.name() != null) {
        out.add(call);
      } else if (!call.complete()) {
        break;
      }
    }
    return out;
  }
}
