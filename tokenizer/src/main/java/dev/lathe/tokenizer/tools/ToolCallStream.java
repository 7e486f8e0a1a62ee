package dev.lathe.tokenizer.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads an output as it is generated, turning text deltas into {@link ToolCallDelta}s in the order
 * OpenAI streams them: content as soon as it is certain, then for each call its {@link
 * ToolCallDelta.Start} (once its name is complete) and its arguments in fragments. Only text that
 * could still be the start of a call marker (and the whitespace before it) is held back; {@link
 * #finish} releases the rest. The deltas add up to {@link #output()}, which equals what {@link
 * ToolCallParser#parse} returns for the whole text.
 *
 * <p>Each push re-reads the text so far (linear in its length), which is simple and cheap next to
 * generating a token. Not thread-safe: one per output.
 */
public final class ToolCallStream {
  private final ToolCallFormat format;
  private final boolean parallel;
  private final Supplier<String> ids;
  private final StringBuilder text = new StringBuilder();
  private String content = "";
  private final List<ToolCall> calls = new ArrayList<>();
  private boolean finished;

  ToolCallStream(ToolCallFormat format, boolean parallel, Supplier<String> ids) {
    this.format = format;
    this.parallel = parallel;
    this.ids = ids;
  }

  /** Adds {@code delta} of the output; returns what became certain (possibly nothing). */
  public List<ToolCallDelta> push(String delta) {
    if (finished) {
      throw new IllegalStateException("the output was finished; start a new stream");
    }
    text.append(delta);
    return emit(format.scan(text.toString(), false));
  }

  /** Ends the output: returns everything still held back. */
  public List<ToolCallDelta> finish() {
    if (finished) {
      return List.of();
    }
    finished = true;
    return emit(format.scan(text.toString(), true));
  }

  /** The message streamed: available after {@link #finish}. */
  public ToolCallOutput output() {
    if (!finished) {
      throw new IllegalStateException("the output is not finished yet: call finish() first");
    }
    return new ToolCallOutput(calls.isEmpty() || !content.isEmpty() ? content : null, calls);
  }

  private List<ToolCallDelta> emit(Scan scan) {
    List<ToolCallDelta> out = new ArrayList<>();
    List<Scan.PartialCall> usable = ToolCallParser.usable(scan, parallel);
    String certain = scan.content();
    if (finished && usable.isEmpty() && calls.isEmpty()) {
      certain = text.toString();
    }
    if (certain.length() > content.length() && certain.startsWith(content)) {
      out.add(new ToolCallDelta.Content(certain.substring(content.length())));
      content = certain;
    }
    for (int i = 0; i < usable.size(); i++) {
      Scan.PartialCall call = usable.get(i);
      if (i == calls.size()) {
        ToolCall started = new ToolCall(ids.get(), call.name(), "");
        calls.add(started);
        out.add(new ToolCallDelta.Start(i, started.id(), started.name()));
      }
      String sent = calls.get(i).arguments();
      if (call.arguments().length() > sent.length() && call.arguments().startsWith(sent)) {
        out.add(new ToolCallDelta.Arguments(i, call.arguments().substring(sent.length())));
        calls.set(i, new ToolCall(calls.get(i).id(), call.name(), call.arguments()));
      }
    }
    return out;
  }
}
