package dev.lathe.server.evals.graders;

import static dev.lathe.server.evals.graders.GraderFixtures.input;
import static dev.lathe.server.evals.graders.GraderFixtures.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * score_model and label_model: the prompt the judge receives (templated, told the range or the
 * labels), and how its reply is read. The judge here is a test double that returns a fixed reply
 * text and records what it was asked; grading with a served model is the evals runner's test.
 */
class ModelGradersTest {

  /** Replies {@code reply} and records each call. */
  private static final class FixedJudge implements Judge {
    final String reply;
    final List<List<JudgeMessage>> prompts = new ArrayList<>();
    final List<String> models = new ArrayList<>();
    final List<JudgeSampling> samplings = new ArrayList<>();

    FixedJudge(String reply) {
      this.reply = reply;
    }

    @Override
    public JudgeReply complete(String model, List<JudgeMessage> messages, JudgeSampling s) {
      models.add(model);
      prompts.add(messages);
      samplings.add(s);
      return new JudgeReply(reply, 40, 3);
    }
  }

  private static final String SCORE =
      "{'type': 'score_model', 'name': 'quality', 'model': 'ft:judge',"
          + " 'input': [{'role': 'system', 'content': 'You grade answers.'},"
          + " {'role': 'user', 'content': 'Q: {{item.q}} A: {{sample.output_text}}'}],"
          + " 'range': [1, 5], 'pass_threshold': 3,"
          + " 'sampling_params': {'temperature': 0, 'top_p': 0.9, 'max_completions_tokens': 8,"
          + " 'seed': 7}}";

  private static GraderResult score(String criterion, String reply, FixedJudge[] judge) {
    judge[0] = new FixedJudge(reply);
    return Graders.parse(json(criterion), "testing_criteria[0]")
        .grade(input("{'q': 'Capital of France?'}", "Paris"), judge[0]);
  }

  @Test
  void scoreModelSendsTheTemplatedPromptWithTheRangeStated() {
    FixedJudge[] j = new FixedJudge[1];
    GraderResult r = score(SCORE, "4", j);
    assertThat(j[0].models).containsExactly("ft:judge");
    assertThat(j[0].prompts.getFirst())
        .containsExactly(
            new JudgeMessage(
                "system",
                "You grade answers.\n\nAnswer with only the score: one number from 1 to 5, and"
                    + " nothing else."),
            new JudgeMessage("user", "Q: Capital of France? A: Paris"));
    assertThat(j[0].samplings).containsExactly(new JudgeSampling(0.0, 0.9, 8, 7L));
    assertThat(r.score()).isEqualTo(4.0);
    assertThat(r.passed()).isTrue();
    assertThat(r.errored()).isFalse();
    assertThat(r.judgeUsage()).isEqualTo(new Usage("ft:judge", 40, 3, 1));
    assertThat(r.sample().get("output").get(0).get("content").asText()).isEqualTo("4");
    assertThat(r.sample().get("input").get(1).get("content").asText())
        .isEqualTo("Q: Capital of France? A: Paris");
    assertThat(r.sample().get("usage").get("total_tokens").asLong()).isEqualTo(43);
    assertThat(r.toJson().get("sample").get("model").asText()).isEqualTo("ft:judge");
  }

  @Test
  void withoutASystemMessageTheInstructionComesFirst() {
    FixedJudge[] j = new FixedJudge[1];
    String userOnly =
        "{'type': 'score_model', 'name': 'q', 'model': 'm', 'pass_threshold': 0.5,"
            + " 'input': [{'role': 'user', 'content': [{'type': 'input_text', 'text': 'Rate'},"
            + " {'type': 'input_text', 'text': '{{sample.output_text}}'}], 'type': 'message'}]}";
    score(userOnly, "0.5", j);
    assertThat(j[0].prompts.getFirst())
        .containsExactly(
            new JudgeMessage(
                "system", "Answer with only the score: one number from 0 to 1, and nothing else."),
            new JudgeMessage("user", "Rate\nParis"));
    assertThat(j[0].samplings).containsExactly(JudgeSampling.DEFAULTS);
  }

  @Test
  void scoreRepliesThatAreRead() {
    FixedJudge[] j = new FixedJudge[1];
    assertThat(score(SCORE, " 3 \n", j).score()).isEqualTo(3.0);
    assertThat(score(SCORE, "2.5", j).passed()).isFalse();
    assertThat(score(SCORE, "{\"result\": 5}", j).score()).isEqualTo(5.0);
    assertThat(score(SCORE, "{\"score\": 1.5, \"steps\": []}", j).score()).isEqualTo(1.5);
    assertThat(score(SCORE, "Score: 4", j).score()).isEqualTo(4.0);
    assertThat(score(SCORE, "4/5", j).score()).isEqualTo(4.0);
    assertThat(score(SCORE, "3 out of 5.", j).score()).isEqualTo(3.0);
    assertThat(score(SCORE, "5", j).score()).isEqualTo(5.0);
    assertThat(score(SCORE, "1", j).score()).isEqualTo(1.0);
  }

  @Test
  void unreadableOrOutOfRangeScoresAreErroredResultsQuotingTheReply() {
    FixedJudge[] j = new FixedJudge[1];
    GraderResult words = score(SCORE, "It is a good answer.", j);
    assertThat(words.errored()).isTrue();
    assertThat(words.passed()).isFalse();
    assertThat(words.score()).isEqualTo(0.0);
    assertThat(words.error())
        .contains("not a score from 1 to 5")
        .contains("\"It is a good answer.\"");
    // the judge ran: its sample and usage are kept
    assertThat(words.judgeUsage()).isEqualTo(new Usage("ft:judge", 40, 3, 1));
    assertThat(words.toJson().get("sample").get("output").get(0).get("content").asText())
        .isEqualTo("It is a good answer.");
    assertThat(words.toJson().get("sample").get("error").get("message").asText())
        .contains("not a score");
    assertThat(score(SCORE, "7", j).error()).contains("score 7 lies outside range [1, 5]");
    assertThat(score(SCORE, "0", j).errored()).isTrue();
    assertThat(score(SCORE, "3 or 4", j).errored()).isTrue();
    assertThat(score(SCORE, "4/10", j).errored()).isTrue();
    assertThat(score(SCORE, "", j).errored()).isTrue();
    assertThat(score(SCORE, "{\"result\": \"high\"}", j).errored()).isTrue();
  }

  @Test
  void aFailingJudgeOrAMissingFieldIsAnErroredResult() {
    Grader g = Graders.parse(json(SCORE), "testing_criteria[0]");
    GraderResult failed =
        g.grade(
            input("{'q': 'x'}", "y"),
            (model, messages, sampling) -> {
              throw new IllegalStateException("model ft:judge is not served");
            });
    assertThat(failed.error())
        .isEqualTo("the judge model ft:judge failed: model ft:judge is not served");
    assertThat(failed.judgeUsage()).isNull();
    FixedJudge judge = new FixedJudge("4");
    GraderResult missing = g.grade(input("{'question': 'x'}", "y"), judge);
    assertThat(missing.error()).contains("{{item.q}}");
    assertThat(judge.prompts).as("no judge call for a prompt that cannot be rendered").isEmpty();
  }

  private static final String LABEL =
      "{'type': 'label_model', 'name': 'tone', 'model': 'judge',"
          + " 'input': [{'role': 'developer', 'content': 'Classify the tone.'},"
          + " {'role': 'user', 'content': '{{sample.output_text}}'}],"
          + " 'labels': ['positive', 'neutral', 'negative'], 'passing_labels': ['positive',"
          + " 'neutral']}";

  private static GraderResult label(String reply, FixedJudge[] judge) {
    judge[0] = new FixedJudge(reply);
    return Graders.parse(json(LABEL), "testing_criteria[0]")
        .grade(input("{}", "What a lovely day!"), judge[0]);
  }

  @Test
  void labelModelTellsTheJudgeTheLabels() {
    FixedJudge[] j = new FixedJudge[1];
    GraderResult r = label("positive", j);
    assertThat(j[0].prompts.getFirst())
        .containsExactly(
            new JudgeMessage(
                "developer",
                "Classify the tone.\n\nAnswer with exactly one of these labels and nothing else:"
                    + " positive, neutral, negative."),
            new JudgeMessage("user", "What a lovely day!"));
    assertThat(r.passed()).isTrue();
    assertThat(r.score()).isEqualTo(1.0);
    assertThat(r.sample().get("label").asText()).isEqualTo("positive");
  }

  @Test
  void labelRepliesThatAreRead() {
    FixedJudge[] j = new FixedJudge[1];
    assertThat(label("negative", j).passed()).isFalse();
    assertThat(label("negative", j).score()).isEqualTo(0.0);
    assertThat(label("negative", j).errored()).isFalse();
    assertThat(label("  Neutral.\n", j).passed()).isTrue();
    assertThat(label("**positive**", j).sample().get("label").asText()).isEqualTo("positive");
    assertThat(label("\"negative\"", j).passed()).isFalse();
    assertThat(label("{\"result\": \"neutral\"}", j).passed()).isTrue();
    assertThat(label("The tone is clearly negative here.", j).sample().get("label").asText())
        .isEqualTo("negative");
  }

  @Test
  void unmatchedOrAmbiguousLabelsAreErroredResults() {
    FixedJudge[] j = new FixedJudge[1];
    assertThat(label("happy", j).error()).contains("names none of the labels").contains("happy");
    assertThat(label("positive or negative", j).error())
        .contains("names several labels [positive, negative]");
    // a label inside another word is not named
    assertThat(label("nonpositive", j).errored()).isTrue();
  }

  @Test
  void labelsWithUnicodeAndSpaces() {
    String c =
        "{'type': 'label_model', 'name': 'l', 'model': 'm', 'input': [{'role': 'user',"
            + " 'content': 'x'}], 'labels': ['très bien', 'mal'], 'passing_labels': ['très bien']}";
    GraderResult r =
        Graders.parse(json(c), "c").grade(input("{}", "y"), new FixedJudge("C'est TRÈS BIEN"));
    assertThat(r.passed()).isTrue();
    assertThat(r.score()).isCloseTo(1.0, within(0.0));
  }
}
