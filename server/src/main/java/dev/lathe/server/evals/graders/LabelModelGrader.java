package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * OpenAI's {@code label_model}: a judge model ({@code model}, any served model) reads the rendered
 * {@code input} messages, told to answer with exactly one of {@code labels}; the sample passes
 * (score 1) when that label is one of {@code passing_labels}, else fails (score 0). Fields: {@code
 * type}, {@code name}, {@code input}, {@code model}, {@code labels}, {@code passing_labels}, {@code
 * sampling_params} ({@link JudgePrompt}).
 *
 * <p>The reply is matched to a label: the reply itself (ignoring case, surrounding whitespace,
 * quotes, asterisks and a final period), a JSON object's {@code result} or {@code label} string, or
 * else the only label that occurs in the reply as a whole word (ignoring case). No label, or
 * several, is an errored result quoting the reply.
 */
record LabelModelGrader(
    String name,
    JudgePrompt prompt,
    List<String> labels,
    List<String> passingLabels,
    JsonNode toJson)
    implements Grader {
  static final String TYPE = "label_model";

  private static final Pattern DECORATION = Pattern.compile("^[\\s\"'`*]+|[\\s\"'`*.]+$");

  @Override
  public String type() {
    return TYPE;
  }

  static LabelModelGrader parse(CriterionFields f, String name, JsonNode json) {
    JudgePrompt prompt = JudgePrompt.parse(f);
    List<String> labels = f.requiredStrings("labels", "the labels the judge chooses from");
    List<String> passing =
        f.requiredStrings("passing_labels", "the labels that make a sample pass, among labels");
    for (int i = 0; i < passing.size(); i++) {
      if (!labels.contains(passing.get(i))) {
        throw new GraderSpecException(
            f.pathOf("passing_labels") + "[" + i + "]",
            "\""
                + passing.get(i)
                + "\" is not one of labels "
                + labels
                + "; add it to labels or remove it");
      }
    }
    f.refuseOthers();
    return new LabelModelGrader(name, prompt, labels, passing, json);
  }

  /** What the judge is told about its answer. */
  String instruction() {
    return "Answer with exactly one of these labels and nothing else: "
        + String.join(", ", labels)
        + ".";
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    JudgePrompt.Verdict verdict =
        (reply, sample) -> {
          String label = label(reply);
          sample.put("label", label);
          return passingLabels.contains(label)
              ? new JudgePrompt.Graded(1, true)
              : new JudgePrompt.Graded(0, false);
        };
    return prompt.judge(this, in, judge, instruction(), verdict);
  }

  /** The label {@code reply} names, as the class comment says. */
  String label(String reply) {
    String bare = DECORATION.matcher(reply).replaceAll("");
    JsonText.Parsed json = JsonText.parse(reply.strip());
    if (json.value() != null && json.value().isObject()) {
      for (String key : List.of("result", "label")) {
        if (json.value().path(key).isTextual()) {
          bare = json.value().get(key).asText().strip();
        }
      }
    }
    for (String l : labels) {
      if (l.equalsIgnoreCase(bare)) {
        return l;
      }
    }
    List<String> found =
        labels.stream()
            .filter(
                l ->
                    Pattern.compile(
                            "(?<![\\p{L}\\p{N}_])"
                                + Pattern.quote(l.toLowerCase(Locale.ROOT))
                                + "(?![\\p{L}\\p{N}_])")
                        .matcher(reply.toLowerCase(Locale.ROOT))
                        .find())
            .toList();
    if (found.size() == 1) {
      return found.getFirst();
    }
    throw new GradingError(
        (found.isEmpty()
                ? "the judge's reply names none of the labels "
                : "the judge's reply names several labels " + found + " of ")
            + labels
            + ": \""
            + ScoreModelGrader.abbreviate(reply)
            + "\"");
  }
}
