package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

public record Sample(String outputText, List<ToolCall> toolCalls, JsonNode raw) {}
