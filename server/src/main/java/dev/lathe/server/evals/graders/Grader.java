package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One parsed testing criterion ({@link Graders#parse}), ready to grade samples.
 *
 * <p>Grading never throws for a bad row: a template field the item lacks, output that is not JSON
 * where JSON is needed, a judge reply that is no score, a judge that fails, all become a {@link
 * GraderResult} with {@link GraderResult#error()} set, score 0, not passed.
 */
public sealed interface Grader
    permits StringCheckGrader,
        TextSimilarityGrader,
        JsonValidGrader,
        JsonSchemaGrader,
        ToolCallGrader,
        ScoreModelGrader,
        LabelModelGrader {

  /** The criterion's name, as given. */
  String name();

  /** The criterion's type: {@code string_check}, {@code text_similarity}, ... */
  String type();

  /** The wire form, as stored and returned in an eval's {@code testing_criteria}. */
  JsonNode toJson();

  /** Grades one sample of one data item; {@code judge} answers model graders' prompts. */
  GraderResult grade(GradingInput input, Judge judge);
}
