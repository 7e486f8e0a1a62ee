package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** JSON literals and grading inputs for the grader tests. */
final class GraderFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GraderFixtures() {}

  /** Parses JSON written with single quotes for readability. */
  static JsonNode json(String singleQuoted) {
    try {
      return JSON.readTree(singleQuoted.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(singleQuoted, e);
    }
  }

  static GradingInput input(String item, String outputText) {
    return new GradingInput(json(item), Sample.ofText(outputText));
  }

  static GradingInput withTools(String item, ToolCall... calls) {
    return new GradingInput(json(item), new Sample("", List.of(calls), null));
  }

  /** A judge that must not be asked: the deterministic graders never call one. */
  static final Judge NO_JUDGE =
      (model, messages, sampling) -> {
        throw new AssertionError("a deterministic grader asked a judge");
      };

  static GraderResult grade(String criterion, GradingInput in) {
    return Graders.parse(json(criterion), "testing_criteria[0]").grade(in, NO_JUDGE);
  }
}
