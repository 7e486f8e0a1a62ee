package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One small file per problem under {@code src/test/resources/bad/}: each must produce exactly its
 * code (and no other), first at the expected line and JSON path.
 */
class BadFilesTest {
  /** No minimum number of examples, so each file shows only its own problem. */
  static final ValidationOptions ANY_SIZE =
      new ValidationOptions(null, 100, 0, 0, 64 << 20, 1 << 20);

  static Stream<Arguments> cases() {
    return Stream.of(
        c("invalid-utf8.jsonl", INVALID_UTF8, 2, null),
        c("byte-order-mark.jsonl", BYTE_ORDER_MARK, 1, null),
        c("crlf-line-endings.jsonl", CRLF_LINE_ENDINGS, 1, null),
        c("blank-line.jsonl", BLANK_LINE, 2, null),
        c("invalid-json.jsonl", INVALID_JSON, 2, null),
        c("truncated-line.jsonl", INVALID_JSON, 2, null),
        c("two-objects-on-one-line.jsonl", INVALID_JSON, 1, null),
        c("pretty-printed-json.jsonl", PRETTY_PRINTED_JSON, 1, null),
        c("pretty-printed-array.jsonl", PRETTY_PRINTED_JSON, 1, null),
        c("json-array.jsonl", DATA_TYPE, 1, null),
        c("data-type.jsonl", DATA_TYPE, 2, null),
        c("unknown-format.jsonl", UNKNOWN_FORMAT, 2, null),
        c("mixed-formats.jsonl", MIXED_FORMATS, 2, null),
        c("unrecognized-key.jsonl", UNRECOGNIZED_KEY, 1, "metadata"),
        c("invalid-value.jsonl", INVALID_VALUE, 1, "parallel_tool_calls"),
        c("missing-messages-list.jsonl", MISSING_MESSAGES_LIST, 2, "messages"),
        c("message-missing-key.jsonl", MESSAGE_MISSING_KEY, 1, "messages[1].role"),
        c("message-unrecognized-key.jsonl", MESSAGE_UNRECOGNIZED_KEY, 1, "messages[1].foo"),
        c("unrecognized-role.jsonl", UNRECOGNIZED_ROLE, 2, "messages[2].role"),
        c("missing-content.jsonl", MISSING_CONTENT, 1, "messages[1].content"),
        c("invalid-content.jsonl", INVALID_CONTENT, 1, "messages[1].content"),
        c(
            "example-missing-assistant-message.jsonl",
            EXAMPLE_MISSING_ASSISTANT_MESSAGE,
            2,
            "messages"),
        c("invalid-weight.jsonl", INVALID_WEIGHT, 1, "messages[2].weight"),
        c("all-weights-zero.jsonl", ALL_WEIGHTS_ZERO, 1, "messages"),
        c("weight-ignored.jsonl", WEIGHT_IGNORED, 1, "messages[1].weight"),
        c("tool-call-unanswered.jsonl", TOOL_CALL_UNANSWERED, 1, "messages[2].tool_calls[0].id"),
        c("tool-message-unknown-id.jsonl", TOOL_MESSAGE_UNKNOWN_ID, 1, "messages[4].tool_call_id"),
        c(
            "tool-call-arguments-not-string.jsonl",
            TOOL_CALL_ARGUMENTS_NOT_STRING,
            1,
            "messages[2].tool_calls[0].function.arguments"),
        c("invalid-tool-call.jsonl", INVALID_TOOL_CALL, 1, "messages[2].tool_calls[0].id"),
        c("invalid-tools.jsonl", INVALID_TOOLS, 1, "tools[0].function.name"),
        c("preference-two-outputs.jsonl", INVALID_PREFERENCE_OUTPUT, 1, "preferred_output"),
        c(
            "preference-user-output.jsonl",
            INVALID_PREFERENCE_OUTPUT,
            1,
            "non_preferred_output[0].role"),
        c("legacy-preference-keys.jsonl", LEGACY_KEYS, 1, "preferred_completion"),
        c("prompt-not-string.jsonl", INVALID_PROMPT_COMPLETION, 2, "prompt"),
        c("duplicate-example.jsonl", DUPLICATE_EXAMPLE, 3, null),
        c("missing-system-message.jsonl", MISSING_SYSTEM_MESSAGE, 2, null),
        c("missing-user-message.jsonl", MISSING_USER_MESSAGE, 2, null),
        Arguments.of(
            "chat-for-dpo.jsonl",
            ANY_SIZE.withExpectedFormat(DatasetFormat.PREFERENCE),
            FORMAT_MISMATCH,
            0L,
            null),
        Arguments.of(
            "invalid-n-examples.jsonl", ValidationOptions.defaults(), INVALID_N_EXAMPLES, 0L, null),
        Arguments.of("few-examples.jsonl", ValidationOptions.defaults(), FEW_EXAMPLES, 0L, null),
        Arguments.of(
            "line-too-long.jsonl", ANY_SIZE.withMaxLineBytes(1024), LINE_TOO_LONG, 2L, null));
  }

  private static Arguments c(String file, IssueCode code, long line, String path) {
    return Arguments.of(file, ANY_SIZE, code, line, path);
  }

  static Path resource(String name) {
    try {
      return Path.of(BadFilesTest.class.getResource("/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("missing test resource " + name, e);
    }
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("cases")
  void eachFileReportsExactlyItsProblem(
      String file, ValidationOptions options, IssueCode code, long line, String path)
      throws Exception {
    ValidationReport report = new DatasetValidator(options).validate(resource("bad/" + file));

    assertThat(report.codes()).extracting(CodeSummary::code).containsExactly(code);
    Issue first = report.issues(code).getFirst();
    assertThat(first.line()).isEqualTo(line);
    assertThat(first.path()).isEqualTo(path);
    assertThat(first.severity()).isEqualTo(code.severity());
    assertThat(report.hasErrors()).isEqualTo(code.severity() == Severity.ERROR);
    assertThat(first.message()).hasSizeGreaterThan(40);
  }
}
