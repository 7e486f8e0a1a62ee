package dev.lathe.tokenizer.tools;

import java.util.List;

/**
 * What a format reads from an output so far: the content that is certain (text that could still
 * turn out to start a call is left out until it is decided) and the calls begun. As the output
 * grows, the content and each call's arguments only ever extend, which is what lets {@link
 * ToolCallStream} send them as deltas.
 *
 * @param content the certain content
 * @param calls the calls begun, in order
 */
record Scan(String content, List<PartialCall> calls) {

  Scan {
    calls = List.copyOf(calls);
  }

  /**
   * A call as far as it is written.
   *
   * @param name the function's name, null while not completely written, or when the call is
   *     malformed (it is then dropped)
   * @param arguments the arguments written so far (a certain prefix); when complete, all of them
   *     ({@code {}} when the call has none)
   * @param complete whether the call is closed (or the output finished)
   */
  record PartialCall(String name, String arguments, boolean complete) {}
}
