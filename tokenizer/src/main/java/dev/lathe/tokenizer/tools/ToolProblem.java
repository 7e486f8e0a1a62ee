package dev.lathe.tokenizer.tools;

/**
 * One thing wrong with a request's tools, {@code tool_choice} or tool messages.
 *
 * @param param the field, as OpenAI's error {@code param} names it (e.g. {@code
 *     tools[1].function.name}, {@code messages[3].tool_call_id})
 * @param message what is wrong and how to fix it
 */
public record ToolProblem(String param, String message) {}
