package dev.lathe.server.evals.graders;

public record ToolCall(String name, String arguments) {}
