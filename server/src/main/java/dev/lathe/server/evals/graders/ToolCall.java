package dev.lathe.server.evals.graders;

/**
 * One function call the sampled model made.
 *
 * @param name the function's name
 * @param arguments the arguments exactly as the model wrote them (JSON text, possibly invalid)
 */
public record ToolCall(String name, String arguments) {}
