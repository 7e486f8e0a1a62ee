package dev.lathe.tokenizer.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Checks a format's streaming reader against its whole-text parse: fed one character at a time, and
 * split in two at every character boundary, the deltas must add up to the parse, begin each call
 * before its arguments, and the stream's own output must equal the parse.
 */
final class StreamCheck {
  private StreamCheck() {}

  static Supplier<String> counter() {
    int[] next = {0};
    return () -> "call_" + next[0]++;
  }

  /** The parse of {@code text}, after checking every way of streaming it agrees. */
  static ToolCallOutput parseAndStream(ToolCallFormat format, boolean parallel, String text) {
    ToolCallOutput whole = new ToolCallParser(format, parallel, counter()).parse(text);
    List<List<String>> splits = new ArrayList<>();
    List<String> chars = new ArrayList<>();
    for (int i = 0; i < text.length(); i++) {
      chars.add(text.substring(i, i + 1));
    }
    splits.add(chars);
    for (int k = 0; k <= text.length(); k++) {
      splits.add(List.of(text.substring(0, k), text.substring(k)));
    }
    for (List<String> pieces : splits) {
      ToolCallStream stream = new ToolCallParser(format, parallel, counter()).stream();
      List<ToolCallDelta> deltas = new ArrayList<>();
      for (String piece : pieces) {
        deltas.addAll(stream.push(piece));
      }
      deltas.addAll(stream.finish());
      assertThat(assemble(deltas)).as("deltas of %s", pieces).isEqualTo(whole);
      assertThat(stream.output()).as("output of %s", pieces).isEqualTo(whole);
    }
    return whole;
  }

  /** The message that {@code deltas} describe, as a client accumulates it. */
  static ToolCallOutput assemble(List<ToolCallDelta> deltas) {
    StringBuilder content = new StringBuilder();
    List<ToolCall> calls = new ArrayList<>();
    for (ToolCallDelta d : deltas) {
      switch (d) {
        case ToolCallDelta.Content c -> {
          assertThat(calls).as("content after a call began").isEmpty();
          assertThat(c.text()).isNotEmpty();
          content.append(c.text());
        }
        case ToolCallDelta.Start s -> {
          assertThat(s.index()).isEqualTo(calls.size());
          calls.add(new ToolCall(s.id(), s.name(), ""));
        }
        case ToolCallDelta.Arguments a -> {
          assertThat(a.index()).isLessThan(calls.size());
          assertThat(a.fragment()).isNotEmpty();
          ToolCall c = calls.get(a.index());
          calls.set(a.index(), new ToolCall(c.id(), c.name(), c.arguments() + a.fragment()));
        }
      }
    }
    String text = content.toString();
    return new ToolCallOutput(calls.isEmpty() || !text.isEmpty() ? text : null, calls);
  }
}
