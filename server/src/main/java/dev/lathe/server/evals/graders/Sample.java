package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The model's answer for one data item, the {@code sample} namespace of templates.
 *
 * @param outputText the text of the answer ({@code {{sample.output_text}}}); null when there was no
 *     sample (then any {@code sample.*} reference is a grading error)
 * @param toolCalls the function calls of the answer, in order ({@code {{sample.output_tools}}})
 * @param raw the sample object as returned on output items ({@code input}, {@code output}, {@code
 *     model}, {@code usage}, ...); other {@code sample.*} references resolve against it; may be
 *     null
 */
public record Sample(String outputText, List<ToolCall> toolCalls, JsonNode raw) {
  public Sample {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  /** A sample that is only text, without tool calls or a raw object. */
  public static Sample ofText(String outputText) {
    return new Sample(outputText, List.of(), null);
  }
}
