package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

public record GradingInput(JsonNode item, Sample sample) {}
