package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How one testing criterion graded one sample: an entry of an output item's {@code results}.
 *
 * @param name the criterion's name
 * @param type the criterion's type ({@code string_check}, ...)
 * @param score the score, usually in [0, 1] (a {@code score_model}'s lies in its {@code range})
 * @param passed whether the sample passed the criterion
 * @param sample for model graders, the judge's input and output; else null
 * @param judgeUsage the tokens a judge used; null unless a judge ran
 * @param error why the criterion could not grade this sample (a missing template field, an
 *     unparseable judge reply, a judge failure); null when it graded. An errored result has score 0
 *     and did not pass.
 */
public record GraderResult(
    String name,
    String type,
    double score,
    boolean passed,
    JsonNode sample,
    Usage judgeUsage,
    String error) {

  /** The error code an errored result carries on the wire. */
  public static final String ERROR_CODE = "grader_error";

  /** A result of a grader that ran no judge. */
  static GraderResult graded(Grader grader, double score, boolean passed) {
    return new GraderResult(grader.name(), grader.type(), score, passed, null, null, null);
  }

  /** A result saying why {@code grader} could not grade the sample. */
  static GraderResult errored(Grader grader, String error) {
    return new GraderResult(grader.name(), grader.type(), 0, false, null, null, error);
  }

  /** Whether the criterion could not grade the sample. */
  public boolean errored() {
    return error != null;
  }

  /**
   * The wire form, an entry of an output item's {@code results}: {@code name}, {@code type}, {@code
   * score}, {@code passed} and {@code sample} (null for graders without a judge). An error is
   * reported inside {@code sample} as {@code "error": {"code": "grader_error", "message": ...}},
   * the place OpenAI reports a judge's error, so SDKs read it as part of the sample map.
   */
  public ObjectNode toJson() {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode out = f.objectNode();
    out.put("name", name);
    out.put("type", type);
    out.put("score", score);
    out.put("passed", passed);
    JsonNode wireSample = sample;
    if (error != null) {
      ObjectNode withError = sample instanceof ObjectNode o ? o.deepCopy() : f.objectNode();
      withError.putObject("error").put("code", ERROR_CODE).put("message", error);
      wireSample = withError;
    }
    out.set("sample", wireSample == null ? f.nullNode() : wireSample);
    return out;
  }
}
