package dev.lathe.server.evals.graders;

public record Usage(String model, long promptTokens, long completionTokens, long invocations) {}
