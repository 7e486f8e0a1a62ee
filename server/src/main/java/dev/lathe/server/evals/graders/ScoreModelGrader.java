package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's {@code score_model}: a judge model ({@code model}, any served model) reads the rendered
 * {@code input} messages, told to answer with only a number within {@code range} (default [0, 1]);
 * the number is the score, and the sample passes when it is at least {@code pass_threshold}
 * (required by Lathe). Fields: {@code type}, {@code name}, {@code input}, {@code model}, {@code
 * range}, {@code pass_threshold}, {@code sampling_params} ({@link JudgePrompt}).
 *
 * <p>The reply is read as: the whole reply a number; a JSON object with a numeric {@code result} or
 * {@code score} (OpenAI's judges answer {@code {"result": ...}}); the only number in the text; or
 * "N/M" or "N out of M" with M the range's top. Anything else, or a number outside the range, is an
 * errored result quoting the reply.
 */
record ScoreModelGrader(
    String name, JudgePrompt prompt, double min, double max, double passThreshold, JsonNode toJson)
    implements Grader {
  static final String TYPE = "score_model";

  private static final Pattern NUMBER =
      Pattern.compile("[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?");
  private static final Pattern OUT_OF =
      Pattern.compile(
          "^\\W*(" + NUMBER.pattern() + ")\\s*(?:/|out of)\\s*(" + NUMBER.pattern() + ")\\W*$");

  @Override
  public String type() {
    return TYPE;
  }

  static ScoreModelGrader parse(CriterionFields f, String name, JsonNode json) {
    JudgePrompt prompt = JudgePrompt.parse(f);
    double min = 0;
    double max = 1;
    JsonNode range = f.optional("range");
    if (range != null) {
      String at = f.pathOf("range");
      if (!range.isArray() || range.size() != 2) {
        throw new GraderSpecException(at, "must be [min, max], two numbers, such as [0, 1]");
      }
      min = CriterionFields.number(range.get(0), at + "[0]", "the lowest score");
      max = CriterionFields.number(range.get(1), at + "[1]", "the highest score");
      if (min >= max) {
        throw new GraderSpecException(at, "must have min < max, not [" + min + ", " + max + "]");
      }
    }
    double threshold =
        f.requiredNumber("pass_threshold", "the score from which a sample passes, within range");
    if (threshold < min || threshold > max) {
      throw new GraderSpecException(
          f.pathOf("pass_threshold"),
          "is " + threshold + ", outside range [" + min + ", " + max + "]; give one within it");
    }
    f.refuseOthers();
    return new ScoreModelGrader(name, prompt, min, max, threshold, json);
  }

  /** What the judge is told about its answer. */
  String instruction() {
    return "Answer with only the score: one number from "
        + plain(min)
        + " to "
        + plain(max)
        + ", and nothing else.";
  }

  private static String plain(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    JudgePrompt.Verdict verdict =
        (reply, sample) -> {
          double score = score(reply);
          return new JudgePrompt.Graded(score, score >= passThreshold);
        };
    return prompt.judge(this, in, judge, instruction(), verdict);
  }

  /** The score in {@code reply}, read as the class comment says. */
  double score(String reply) {
    Double v = read(reply.strip());
    if (v == null) {
      throw new GradingError(
          "the judge's reply is not a score from "
              + plain(min)
              + " to "
              + plain(max)
              + ": \""
              + abbreviate(reply)
              + "\"");
    }
    if (v < min || v > max) {
      throw new GradingError(
          "the judge's score "
              + plain(v)
              + " lies outside range ["
              + plain(min)
              + ", "
              + plain(max)
              + "] (reply: \""
              + abbreviate(reply)
              + "\")");
    }
    return v;
  }

  private Double read(String text) {
    if (NUMBER.matcher(text).matches()) {
      return Double.parseDouble(text);
    }
    JsonText.Parsed json = JsonText.parse(text);
    if (json.value() != null && json.value().isObject()) {
      for (String key : List.of("result", "score")) {
        if (json.value().path(key).isNumber()) {
          return json.value().get(key).asDouble();
        }
      }
      return null;
    }
    Matcher outOf = OUT_OF.matcher(text);
    if (outOf.matches() && Double.parseDouble(outOf.group(2)) == max) {
      return Double.parseDouble(outOf.group(1));
    }
    List<String> numbers = new ArrayList<>();
    Matcher m = NUMBER.matcher(text);
    while (m.find()) {
      numbers.add(m.group());
    }
    return numbers.size() == 1 ? Double.parseDouble(numbers.getFirst()) : null;
  }

  static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
