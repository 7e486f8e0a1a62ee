package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Lathe's {@code json_valid} criterion (an extension): score 1 and passed when the rendered {@code
 * input} is exactly one JSON value ({@link JsonText}: strict RFC 8259, nothing after it but
 * whitespace), else 0. Fields: {@code type}, {@code name}, {@code input} (a template; {@code
 * "{{sample.output_text}}"} when omitted).
 */
record JsonValidGrader(String name, Template input, JsonNode toJson) implements Grader {
  static final String TYPE = "json_valid";
  static final String DEFAULT_INPUT = "{{sample.output_text}}";

  @Override
  public String type() {
    return TYPE;
  }

  static JsonValidGrader parse(CriterionFields f, String name, JsonNode json) {
    Template input = input(f);
    f.refuseOthers();
    return new JsonValidGrader(name, input, json);
  }

  /** The optional {@code input} template of the JSON graders. */
  static Template input(CriterionFields f) {
    String s = f.optionalString("input", "the text to check, such as \"{{sample.output_text}}\"");
    return Template.parse(s == null ? DEFAULT_INPUT : s, f.pathOf("input"));
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    return GradingError.catching(
        this,
        () -> {
          boolean valid = JsonText.parse(input.render(in)).value() != null;
          return GraderResult.graded(this, valid ? 1 : 0, valid);
        });
  }
}
