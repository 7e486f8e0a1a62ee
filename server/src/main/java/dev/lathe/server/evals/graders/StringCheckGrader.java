package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * OpenAI's {@code string_check}: renders {@code input} and {@code reference} (templates) and
 * compares them with {@code operation}: {@code eq} equal, {@code ne} not equal, {@code like} input
 * contains reference (case-sensitive), {@code ilike} the same ignoring case (Unicode lower case,
 * root locale). Score 1 when the comparison holds, else 0; passed when 1. No trimming: " a" is not
 * "a".
 */
record StringCheckGrader(
    String name, Template input, Template reference, Operation operation, JsonNode toJson)
    implements Grader {

  /** The comparisons of {@code operation}. */
  public enum Operation {
    EQ,
    NE,
    LIKE,
    ILIKE;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    boolean holds(String input, String reference) {
      return switch (this) {
        case EQ -> input.equals(reference);
        case NE -> !input.equals(reference);
        case LIKE -> input.contains(reference);
        case ILIKE -> input.toLowerCase(Locale.ROOT).contains(reference.toLowerCase(Locale.ROOT));
      };
    }
  }

  static final String TYPE = "string_check";

  @Override
  public String type() {
    return TYPE;
  }

  static StringCheckGrader parse(CriterionFields f, String name, JsonNode json) {
    Template input = f.template("input", "the text to check, such as \"{{sample.output_text}}\"");
    Template reference =
        f.template("reference", "the text to compare with, such as \"{{item.answer}}\"");
    Operation operation =
        f.choice("operation", Operation.values(), Operation::wire, "an operation of string_check");
    f.refuseOthers();
    return new StringCheckGrader(name, input, reference, operation, json);
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    return GradingError.catching(
        this,
        () -> {
          boolean holds = operation.holds(input.render(in), reference.render(in));
          return GraderResult.graded(this, holds ? 1 : 0, holds);
        });
  }
}
