package dev.lathe.dataset;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The stable codes of dataset issues, each with a fixed severity. The wire name is the lower-case
 * constant name; the seven checks of OpenAI's cookbook ({@code Chat_finetuning_data_prep}) keep
 * their exact names ({@link #DATA_TYPE}, {@link #MISSING_MESSAGES_LIST}, {@link
 * #MESSAGE_MISSING_KEY}, {@link #MESSAGE_UNRECOGNIZED_KEY}, {@link #UNRECOGNIZED_ROLE}, {@link
 * #MISSING_CONTENT}, {@link #EXAMPLE_MISSING_ASSISTANT_MESSAGE}) but accept everything the real API
 * accepts.
 */
public enum IssueCode {
  // --- bytes and lines ---
  /** A line holds bytes that are not valid UTF-8. */
  INVALID_UTF8(Severity.ERROR),
  /** The file starts with a UTF-8 byte-order mark (skipped). */
  BYTE_ORDER_MARK(Severity.WARNING),
  /** Lines end with CR LF instead of LF (the CR is ignored); reported once per file. */
  CRLF_LINE_ENDINGS(Severity.WARNING),
  /** An empty or whitespace-only line (skipped, not an example). */
  BLANK_LINE(Severity.WARNING),
  /** A line longer than {@link ValidationOptions#maxLineBytes()} (skipped). */
  LINE_TOO_LONG(Severity.ERROR),
  /** A line that is not one valid JSON value. */
  INVALID_JSON(Severity.ERROR),
  /** A JSON value spread over several lines: the file is pretty-printed JSON, not JSONL. */
  PRETTY_PRINTED_JSON(Severity.ERROR),

  // --- shape and format of an example ---
  /** The line's JSON value is not an object (cookbook name). */
  DATA_TYPE(Severity.ERROR),
  /** The object matches none of the formats. */
  UNKNOWN_FORMAT(Severity.ERROR),
  /** The object is in another format than the file's first example. */
  MIXED_FORMATS(Severity.ERROR),
  /** The file's format is not the one the job's method needs (a chat file for DPO); line 0. */
  FORMAT_MISMATCH(Severity.ERROR),
  /** Pre-2025 key names ({@code preferred_completion}, {@code non_preferred_completion}). */
  LEGACY_KEYS(Severity.WARNING),
  /** A top-level key no format defines (passed through, ignored by training). */
  UNRECOGNIZED_KEY(Severity.WARNING),
  /** A known key holds a value of the wrong type (e.g. {@code parallel_tool_calls: "yes"}). */
  INVALID_VALUE(Severity.ERROR),

  // --- chat messages ---
  /** {@code messages} is absent, not an array, or empty (cookbook name). */
  MISSING_MESSAGES_LIST(Severity.ERROR),
  /** A message lacks {@code role}, or a key its role requires (cookbook name). */
  MESSAGE_MISSING_KEY(Severity.ERROR),
  /** A message has a key its role does not allow (cookbook name). */
  MESSAGE_UNRECOGNIZED_KEY(Severity.ERROR),
  /** A message's role is not system, developer, user, assistant, tool or function (cookbook). */
  UNRECOGNIZED_ROLE(Severity.ERROR),
  /** A message's content is empty or null where the role needs content (cookbook name). */
  MISSING_CONTENT(Severity.ERROR),
  /** A message's content is neither a string nor an array of valid content parts. */
  INVALID_CONTENT(Severity.ERROR),
  /** No assistant message in a chat example: nothing to train on (cookbook name). */
  EXAMPLE_MISSING_ASSISTANT_MESSAGE(Severity.ERROR),
  /**
   * A {@code weight} that is not a number in [0, 1] (an assistant message's), or not in (0, 1] (an
   * example's).
   */
  INVALID_WEIGHT(Severity.ERROR),
  /**
   * An assistant {@code weight} strictly between 0 and 1: Lathe scales the message's loss by it,
   * OpenAI accepts only 0 and 1.
   */
  FRACTIONAL_WEIGHT(Severity.WARNING),
  /**
   * A per-example {@code weight} in (0, 1] on a chat example: Lathe scales the example's loss by
   * it, OpenAI has no such key.
   */
  EXAMPLE_WEIGHT(Severity.WARNING),
  /** {@code weight} on a message that is not an assistant's: training ignores it. */
  WEIGHT_IGNORED(Severity.WARNING),
  /** Every assistant message of the example has weight 0: nothing to train on. */
  ALL_WEIGHTS_ZERO(Severity.ERROR),
  /** A malformed {@code tool_calls} / {@code function_call} entry. */
  INVALID_TOOL_CALL(Severity.ERROR),
  /** {@code function.arguments} of a tool call is not a string (it must be JSON text). */
  TOOL_CALL_ARGUMENTS_NOT_STRING(Severity.ERROR),
  /** A tool call is followed by more messages but no tool message answers its id. */
  TOOL_CALL_UNANSWERED(Severity.ERROR),
  /** A tool message's {@code tool_call_id} matches no earlier tool call. */
  TOOL_MESSAGE_UNKNOWN_ID(Severity.ERROR),
  /** A malformed top-level {@code tools} or {@code functions} definition. */
  INVALID_TOOLS(Severity.ERROR),

  // --- other formats ---
  /** A DPO output that is not exactly one assistant message. */
  INVALID_PREFERENCE_OUTPUT(Severity.ERROR),
  /** A legacy {@code prompt} or {@code completion} that is not a string. */
  INVALID_PROMPT_COMPLETION(Severity.ERROR),

  // --- whole file ---
  /** Fewer examples than the API's minimum of 10 (OpenAI's own code and wording). */
  INVALID_N_EXAMPLES(Severity.ERROR),
  /** Fewer than 50 examples: OpenAI sees clear improvements from 50 to 100. */
  FEW_EXAMPLES(Severity.WARNING),
  /** An example byte for byte identical to an earlier one (surrounding whitespace ignored). */
  DUPLICATE_EXAMPLE(Severity.WARNING),
  /** Some examples have a system message and others do not. */
  MISSING_SYSTEM_MESSAGE(Severity.WARNING),
  /** Chat examples without any user message. */
  MISSING_USER_MESSAGE(Severity.WARNING);

  private final Severity severity;

  IssueCode(Severity severity) {
    this.severity = severity;
  }

  /** The severity every issue of this code has. */
  public Severity severity() {
    return severity;
  }

  /** The stable wire name, e.g. {@code "missing_content"}. */
  @JsonValue
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
