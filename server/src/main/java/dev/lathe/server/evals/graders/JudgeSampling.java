package dev.lathe.server.evals.graders;

public record JudgeSampling(
    Double temperature, Double topP, Integer maxCompletionTokens, Long seed) {}
