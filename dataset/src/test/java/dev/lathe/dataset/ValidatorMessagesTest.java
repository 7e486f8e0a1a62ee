package dev.lathe.dataset;

import static dev.lathe.dataset.BadFilesTest.ANY_SIZE;
import static dev.lathe.dataset.BadFilesTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wording, columns and bookkeeping of specific issues. */
class ValidatorMessagesTest {

  private static ValidationReport validate(ValidationOptions options, String text)
      throws Exception {
    return new DatasetValidator(options)
        .validate(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void invalidUtf8PointsAtTheByteColumn() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/invalid-utf8.jsonl"));

    Issue issue = report.issues(IssueCode.INVALID_UTF8).getFirst();
    assertThat(issue.column()).isEqualTo(47);
    assertThat(issue.message()).contains("0xE9", "column 47", "UTF-8");
  }

  @Test
  void invalidJsonGivesJacksonsColumnAndAHint() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/invalid-json.jsonl"));

    Issue issue = report.issues(IssueCode.INVALID_JSON).getFirst();
    assertThat(issue.column()).isEqualTo(16);
    assertThat(issue.message()).contains("double quotes");
  }

  @Test
  void prettyPrintedFileSaysSoAndHowToFixIt() throws Exception {
    ValidationReport object =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/pretty-printed-json.jsonl"));
    ValidationReport array =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/pretty-printed-array.jsonl"));

    assertThat(object.issues(IssueCode.PRETTY_PRINTED_JSON))
        .extracting(Issue::line)
        .containsExactly(1L, 17L);
    assertThat(object.issues(IssueCode.PRETTY_PRINTED_JSON).getFirst().message())
        .contains("pretty-printed", "lines 1-16", "one JSON object per line");
    assertThat(object.examples()).isEqualTo(2);
    assertThat(array.issues(IssueCode.PRETTY_PRINTED_JSON).getFirst().message())
        .contains("JSON array", "each element on its own line");
  }

  @Test
  void chatFileForADpoJobUsesOpenAisWording() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE.withExpectedFormat(DatasetFormat.PREFERENCE))
            .validate(resource("bad/chat-for-dpo.jsonl"));

    assertThat(report.format()).isEqualTo(DatasetFormat.CHAT);
    assertThat(report.expectedFormat()).isEqualTo(DatasetFormat.PREFERENCE);
    assertThat(report.issues(IssueCode.FORMAT_MISMATCH).getFirst().message())
        .contains(
            "Input file is in the fine-tune-chat format, but the specified fine-tuning job is not"
                + " using 'supervised' as the training method (provided method=dpo).");
  }

  @Test
  void floatWeightsAreAcceptedWithAWarningThatOpenAiAcceptsOnlyZeroAndOne() throws Exception {
    String user = "{\"role\":\"user\",\"content\":\"Hi\"}";
    ValidationReport report =
        validate(
            ANY_SIZE,
            "{\"messages\":["
                + user
                + ",{\"role\":\"assistant\",\"content\":\"A\",\"weight\":0.5}]}\n"
                + "{\"weight\":0.25,\"messages\":["
                + user
                + ",{\"role\":\"assistant\",\"content\":\"B\"}]}\n"
                + "{\"messages\":["
                + user
                + ",{\"role\":\"assistant\",\"content\":\"C\",\"weight\":1.5}]}\n"
                + "{\"weight\":0,\"messages\":["
                + user
                + ",{\"role\":\"assistant\",\"content\":\"D\"}]}\n"
                + "{\"messages\":["
                + user
                + ",{\"role\":\"assistant\",\"content\":\"E\",\"weight\":0.0}]}\n");

    Issue fractional = report.issues(IssueCode.FRACTIONAL_WEIGHT).getFirst();
    assertThat(fractional.isError()).isFalse();
    assertThat(fractional.line()).isEqualTo(1);
    assertThat(fractional.message())
        .isEqualTo(
            "\"weight\" 0.5 scales this message's loss in Lathe; OpenAI accepts only 0 and 1"
                + " and would refuse this file.");
    Issue example = report.issues(IssueCode.EXAMPLE_WEIGHT).getFirst();
    assertThat(example.isError()).isFalse();
    assertThat(example.line()).isEqualTo(2);
    assertThat(example.message()).contains("0.25 scales its loss", "OpenAI has no per-example");
    assertThat(report.issues(IssueCode.INVALID_WEIGHT))
        .extracting(Issue::line)
        .containsExactly(3L, 4L);
    assertThat(report.issues(IssueCode.INVALID_WEIGHT).getFirst().message())
        .contains("a number from 0", "to 1");
    assertThat(report.issues(IssueCode.ALL_WEIGHTS_ZERO))
        .extracting(Issue::line)
        .containsExactly(5L);
    assertThat(report.issues(IssueCode.UNRECOGNIZED_KEY)).isEmpty();
  }

  @Test
  void tooFewExamplesUsesOpenAisWording() throws Exception {
    ValidationReport report =
        new DatasetValidator().validate(resource("bad/invalid-n-examples.jsonl"));

    assertThat(report.issues(IssueCode.INVALID_N_EXAMPLES).getFirst().message())
        .startsWith("Training file has 3 example(s), but must have at least 10 examples");
  }

  @Test
  void unknownFormatUsesOpenAisWording() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/unknown-format.jsonl"));

    assertThat(report.issues(IssueCode.UNKNOWN_FORMAT).getFirst().message())
        .startsWith(
            "Unexpected file format, expected either prompt/completion pairs or chat messages.")
        .contains("[question, answer]");
  }

  @Test
  void bothLegacyPreferenceKeysAreReported() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE).validate(resource("bad/legacy-preference-keys.jsonl"));

    assertThat(report.issues(IssueCode.LEGACY_KEYS))
        .extracting(Issue::path)
        .containsExactly("preferred_completion", "non_preferred_completion");
    assertThat(report.hasErrors()).isFalse();
    assertThat(report.validExamples()).isEqualTo(2);
  }

  @Test
  void whatTheApiAcceptsPasses() throws Exception {
    ValidationReport report =
        new DatasetValidator(ANY_SIZE).validate(resource("good/api-superset.jsonl"));

    assertThat(report.errors()).as(report.issues().toString()).isZero();
    assertThat(report.validExamples()).isEqualTo(6);
  }

  @Test
  void storedIssuesAreCappedPerCodeButAllCounted() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      text.append("{\"messages\": [{\"role\": \"user\", \"content\": \"q")
          .append(i)
          .append("\"}]}\n");
    }
    ValidationReport report = validate(ANY_SIZE.withMaxIssuesPerCode(5), text.toString());

    assertThat(report.count(IssueCode.EXAMPLE_MISSING_ASSISTANT_MESSAGE)).isEqualTo(1000);
    assertThat(report.issues(IssueCode.EXAMPLE_MISSING_ASSISTANT_MESSAGE))
        .extracting(Issue::line)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(report.errors()).isEqualTo(1000);
    assertThat(report.validExamples()).isZero();
  }

  @Test
  void listenersSeeEveryObjectLineWithItsValidity() throws Exception {
    String text =
        "{\"prompt\": \"a ->\", \"completion\": \" b\"}\n"
            + "not json\n"
            + "[1]\n"
            + "\n"
            + "{\"prompt\": 3, \"completion\": \" d\"}\n"
            + "{\"prompt\": \"e ->\", \"completion\": \" f\"}";
    List<String> seen = new ArrayList<>();
    ExampleListener listener =
        (line, format, node, valid) -> seen.add(line + " " + format + " " + valid);
    List<String> seenToo = new ArrayList<>();
    ExampleListener second =
        (line, format, node, valid) -> seenToo.add(node.get("prompt").asText());

    ValidationReport report =
        new DatasetValidator(ANY_SIZE)
            .validate(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), listener, second);

    assertThat(seen)
        .containsExactly(
            "1 PROMPT_COMPLETION true", "5 PROMPT_COMPLETION false", "6 PROMPT_COMPLETION true");
    assertThat(seenToo).containsExactly("a ->", "3", "e ->");
    assertThat(report.lines()).isEqualTo(6);
    assertThat(report.examples()).isEqualTo(5);
    assertThat(report.validExamples()).isEqualTo(2);
    assertThat(report.bytes()).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void aTruncatedLastLineIsInvalidJsonNotPrettyPrinting() throws Exception {
    ValidationReport report =
        validate(ANY_SIZE, "{\"prompt\": \"a\", \"completion\": \" b\"}\n{\"prompt\": \"a");

    assertThat(report.codes())
        .extracting(CodeSummary::code)
        .containsExactly(IssueCode.INVALID_JSON);
    assertThat(report.issues(IssueCode.INVALID_JSON).getFirst().line()).isEqualTo(2);
  }

  @Test
  void jsonArrayWrittenOneElementPerLineIsExplainedOnEveryLine() throws Exception {
    String a = "{\"prompt\": \"a ->\", \"completion\": \" b\"}";
    String c = "{\"prompt\": \"c ->\", \"completion\": \" d\"}";
    ValidationReport report = validate(ANY_SIZE, "[\n" + a + ",\n" + c + "\n]\n");

    assertThat(report.issues())
        .extracting(i -> i.code() + "@" + i.line())
        .containsExactly("PRETTY_PRINTED_JSON@1", "INVALID_JSON@2", "INVALID_JSON@4");
    assertThat(report.issues(IssueCode.PRETTY_PRINTED_JSON).getFirst().message())
        .contains("holds only '['", "a JSON array", "remove the [ and ] lines");
    assertThat(report.issues(IssueCode.INVALID_JSON).get(0).message())
        .contains("followed by a comma");
    assertThat(report.issues(IssueCode.INVALID_JSON).get(1).message()).contains("A lone ']'");
    assertThat(report.validExamples()).isEqualTo(1);
  }

  @Test
  void anEmptyFileHasNoExamples() throws Exception {
    ValidationReport report = validate(ValidationOptions.defaults(), "");

    assertThat(report.examples()).isZero();
    assertThat(report.format()).isNull();
    assertThat(report.issues(IssueCode.INVALID_N_EXAMPLES).getFirst().message())
        .startsWith("Training file has 0 example(s)");
  }
}
