package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

/** One testing criterion: grades a sample of an item. */
public sealed interface Grader permits Graders.StringCheck, Graders.JsonSchema {
  String name();

  String type();

  JsonNode toJson();

  GraderResult grade(GradingInput input, Judge judge);
}
