package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

public record GraderResult(
    String name,
    String type,
    double score,
    boolean passed,
    JsonNode sample,
    Usage judgeUsage,
    String error) {}
