package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Set;
import java.util.function.ToDoubleBiFunction;

/**
 * OpenAI's {@code text_similarity}: scores the rendered {@code input} against the rendered {@code
 * reference} with {@code evaluation_metric} and passes when the score is at least {@code
 * pass_threshold}. The metrics and their exact definitions: {@link FuzzyMatch} ({@code
 * fuzzy_match}), {@link Bleu} ({@code bleu}, {@code gleu}), {@link Rouge} ({@code rouge_1} ..
 * {@code rouge_5}, {@code rouge_l}). OpenAI's {@code meteor} (needs WordNet synonyms and a stemmer)
 * and {@code cosine} (needs an embeddings model) are refused by name.
 */
record TextSimilarityGrader(
    String name,
    Template input,
    Template reference,
    Metric metric,
    double passThreshold,
    JsonNode toJson)
    implements Grader {

  /** The metrics Lathe computes, each a score in [0, 1]. */
  public enum Metric {
    FUZZY_MATCH(FuzzyMatch::score),
    BLEU(Bleu::bleu),
    GLEU(Bleu::gleu),
    ROUGE_1((c, r) -> Rouge.rougeN(c, r, 1)),
    ROUGE_2((c, r) -> Rouge.rougeN(c, r, 2)),
    ROUGE_3((c, r) -> Rouge.rougeN(c, r, 3)),
    ROUGE_4((c, r) -> Rouge.rougeN(c, r, 4)),
    ROUGE_5((c, r) -> Rouge.rougeN(c, r, 5)),
    ROUGE_L(Rouge::rougeL);

    private final ToDoubleBiFunction<String, String> score;

    Metric(ToDoubleBiFunction<String, String> score) {
      this.score = score;
    }

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The score of {@code candidate} against {@code reference}. */
    public double score(String candidate, String reference) {
      return score.applyAsDouble(candidate, reference);
    }
  }

  private static final Set<String> REFUSED = Set.of("meteor", "cosine");

  static final String TYPE = "text_similarity";

  @Override
  public String type() {
    return TYPE;
  }

  static TextSimilarityGrader parse(CriterionFields f, String name, JsonNode json) {
    Template input = f.template("input", "the text to score, such as \"{{sample.output_text}}\"");
    Template reference =
        f.template("reference", "the text to score against, such as \"{{item.answer}}\"");
    JsonNode given = f.optional("evaluation_metric");
    if (given != null && REFUSED.contains(given.asText())) {
      throw new GraderSpecException(
          f.pathOf("evaluation_metric"),
          "\""
              + given.asText()
              + "\" is an OpenAI metric Lathe does not compute ("
              + (given.asText().equals("meteor")
                  ? "it needs WordNet synonyms and a stemmer"
                  : "it needs an embeddings model")
              + "); use one of fuzzy_match, bleu, gleu, rouge_1 .. rouge_5, rouge_l");
    }
    Metric metric =
        f.choice("evaluation_metric", Metric.values(), Metric::wire, "an evaluation metric");
    double threshold =
        f.requiredNumber("pass_threshold", "the score from which a sample passes, in [0, 1]");
    if (threshold < 0 || threshold > 1) {
      throw new GraderSpecException(
          f.pathOf("pass_threshold"),
          "is "
              + threshold
              + ", but the metric's scores lie in [0, 1]; give a threshold in [0, 1]");
    }
    f.refuseOthers();
    return new TextSimilarityGrader(name, input, reference, metric, threshold, json);
  }

  @Override
  public GraderResult grade(GradingInput in, Judge judge) {
    return GradingError.catching(
        this,
        () -> {
          double score = metric.score(input.render(in), reference.render(in));
          return GraderResult.graded(this, score, score >= passThreshold);
        });
  }
}
