package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.FEW_EXAMPLES;
import static dev.lathe.dataset.IssueCode.FORMAT_MISMATCH;
import static dev.lathe.dataset.IssueCode.INVALID_N_EXAMPLES;
import static dev.lathe.dataset.IssueCode.MISSING_SYSTEM_MESSAGE;
import static dev.lathe.dataset.IssueCode.MISSING_USER_MESSAGE;
import static dev.lathe.dataset.IssueCode.PRETTY_PRINTED_JSON;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file of the shared datasets, with the outcome a user should see. */
class SharedDatasetsTest {
  private final DatasetValidator validator = new DatasetValidator();

  private ValidationReport validate(String relative) throws Exception {
    return validator.validate(SharedAssets.require("datasets/" + relative));
  }

  static Stream<Arguments> files() {
    return Stream.of(
        Arguments.of("real/gsm8k-chat_train.jsonl", DatasetFormat.CHAT, 449, new IssueCode[0]),
        Arguments.of("real/gsm8k-chat_validation.jsonl", DatasetFormat.CHAT, 50, new IssueCode[0]),
        Arguments.of(
            "real/dpo-orca_dpo_pairs-validation.jsonl",
            DatasetFormat.PREFERENCE,
            284,
            new IssueCode[0]),
        Arguments.of(
            "real/limericks-training-data.jsonl",
            DatasetFormat.CHAT,
            10,
            new IssueCode[] {FEW_EXAMPLES}),
        Arguments.of(
            "real/limericks-validation-data.jsonl",
            DatasetFormat.CHAT,
            5,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "real/toolcall-stock_validation.jsonl",
            DatasetFormat.CHAT,
            10,
            new IssueCode[] {FEW_EXAMPLES}),
        Arguments.of(
            "real/uploaded_output.jsonl", DatasetFormat.CHAT, 11, new IssueCode[] {FEW_EXAMPLES}),
        Arguments.of(
            "seed-examples/elements-limericks.jsonl",
            DatasetFormat.CHAT,
            2,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "seed-examples/legacy-prompt-completion.jsonl",
            DatasetFormat.PROMPT_COMPLETION,
            3,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "seed-examples/marv-multiturn-weighted.jsonl",
            DatasetFormat.CHAT,
            3,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "seed-examples/marv-sarcastic.jsonl",
            DatasetFormat.CHAT,
            3,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "seed-examples/sports-headlines.jsonl",
            DatasetFormat.CHAT,
            1,
            new IssueCode[] {INVALID_N_EXAMPLES}),
        Arguments.of(
            "seed-examples/weather-dpo.jsonl",
            DatasetFormat.PREFERENCE,
            1,
            new IssueCode[] {INVALID_N_EXAMPLES}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void fileHasItsFormatAndOnlyTheExpectedCodes(
      String file, DatasetFormat format, long examples, IssueCode[] codes) throws Exception {
    ValidationReport report = validate(file);

    assertThat(report.format()).isEqualTo(format);
    assertThat(report.examples()).isEqualTo(examples);
    assertThat(report.validExamples()).isEqualTo(examples);
    assertThat(report.codes()).extracting(CodeSummary::code).containsExactlyInAnyOrder(codes);
  }

  @Test
  void toyChatFileHasItsThreeKnownFlaws() throws Exception {
    ValidationReport report = validate("real/toy_chat_fine_tuning.jsonl");

    assertThat(report.format()).isEqualTo(DatasetFormat.CHAT);
    assertThat(report.examples()).isEqualTo(5);
    assertThat(report.codes())
        .extracting(CodeSummary::code)
        .containsExactly(INVALID_N_EXAMPLES, MISSING_SYSTEM_MESSAGE, MISSING_USER_MESSAGE);
    assertThat(report.issues(INVALID_N_EXAMPLES).getFirst().message())
        .startsWith("Training file has 5 example(s), but must have at least 10 examples");
    Issue noSystem = report.issues(MISSING_SYSTEM_MESSAGE).getFirst();
    assertThat(noSystem.line()).isEqualTo(3);
    assertThat(noSystem.message()).startsWith("1 example(s) have no system message while 4");
    assertThat(report.issues(MISSING_USER_MESSAGE).getFirst().line()).isEqualTo(4);
  }

  @Test
  void prettyPrintedUserFileIsRejectedAtLineOne() throws Exception {
    ValidationReport report = validate("invalid/01-testing-example.jsonl");

    assertThat(report.hasErrors()).isTrue();
    assertThat(report.format()).isNull();
    assertThat(report.validExamples()).isZero();
    Issue first = report.issues().stream().filter(Issue::isError).findFirst().orElseThrow();
    assertThat(first.code()).isEqualTo(PRETTY_PRINTED_JSON);
    assertThat(first.line()).isEqualTo(1);
    assertThat(first.message()).contains("pretty-printed JSON", "one JSON object per line");
    assertThat(report.codes())
        .extracting(CodeSummary::code)
        .containsExactly(PRETTY_PRINTED_JSON, FEW_EXAMPLES);
  }

  @Test
  void chatFileForDpoAndPreferenceFileForSupervisedAreMismatches() throws Exception {
    DatasetValidator dpo =
        new DatasetValidator(
            ValidationOptions.defaults().withExpectedFormat(DatasetFormat.PREFERENCE));
    DatasetValidator sft =
        new DatasetValidator(ValidationOptions.defaults().withExpectedFormat(DatasetFormat.CHAT));

    ValidationReport chatForDpo =
        dpo.validate(SharedAssets.require("datasets/real/gsm8k-chat_validation.jsonl"));
    ValidationReport dpoForSft =
        sft.validate(SharedAssets.require("datasets/real/dpo-orca_dpo_pairs-validation.jsonl"));

    assertThat(chatForDpo.codes()).extracting(CodeSummary::code).containsExactly(FORMAT_MISMATCH);
    assertThat(chatForDpo.issues(FORMAT_MISMATCH).getFirst().line()).isZero();
    assertThat(chatForDpo.issues(FORMAT_MISMATCH).getFirst().message())
        .endsWith("(The format was detected from line 1.)");
    assertThat(chatForDpo.validExamples()).isEqualTo(50);
    assertThat(dpoForSft.issues(FORMAT_MISMATCH).getFirst().message())
        .contains("fine-tune-preference format", "provided method=supervised");
  }
}
