package dev.lathe.server.evals.graders;

public record JudgeReply(String text, long promptTokens, long completionTokens) {}
