package dev.lathe.server.evals.graders;

public record JudgeMessage(String role, String content) {}
