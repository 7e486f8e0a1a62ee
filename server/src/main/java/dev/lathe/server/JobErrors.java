package dev.lathe.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.IssueCode;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.finetune.WrongFormatException;
import java.util.List;

/**
 * The {@code error} object of a failed {@code fine_tuning.job} ({@code {code, message, param}}),
 * stored as the job's error text, in OpenAI's wording where it is known.
 */
final class JobErrors {
  private JobErrors() {}

  /** How many of a report's errors a job error names. */
  static final int FIRST_PROBLEMS = 3;

  /**
   * {@code invalid_training_file} / {@code invalid_validation_file} naming the report's first
   * errors with their line, or null when the report has no error (a validation file's only error
   * being fewer than 10 examples counts as none).
   *
   * @param param {@code training_file} or {@code validation_file}
   */
  static String invalidFile(ValidationReport report, String param, ObjectMapper json) {
    // the 10-example minimum is the training file's; a validation file may be small
    boolean validation = param.equals("validation_file");
    List<Issue> errors =
        report.issues().stream()
            .filter(Issue::isError)
            .filter(i -> !(validation && i.code() == IssueCode.INVALID_N_EXAMPLES))
            .limit(FIRST_PROBLEMS)
            .toList();
    if (errors.isEmpty()) {
      return null;
    }
    StringBuilder message =
        new StringBuilder("The job failed due to an invalid " + param.replace('_', ' ') + ". ");
    for (Issue issue : errors) {
      message.append(issue.line() > 0 ? "Line " + issue.line() + ": " : "").append(issue.message());
      message.append(' ');
    }
    return of("invalid_" + param, message.toString().strip(), param, json);
  }

  /**
   * {@code invalid_training_file} (or {@code invalid_validation_file}) for a file whose format the
   * job's method cannot train on, e.g. a chat file given to a DPO job, in OpenAI's words (the
   * trailing space included).
   */
  static String wrongFormat(
      String fileId, DatasetFormat format, String method, String param, ObjectMapper json) {
    return of(
        "invalid_" + param,
        "The job failed due to an invalid "
            + param.replace('_', ' ')
            + ". "
            + WrongFormatException.message(fileId, format, method)
            + " ",
        param,
        json);
  }

  /** An error object as JSON text. */
  static String of(String code, String message, String param, ObjectMapper json) {
    ObjectNode error = json.createObjectNode();
    error.put("code", code);
    error.put("message", message);
    error.put("param", param);
    try {
      return json.writeValueAsString(error);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a stored error: the JSON object this class writes, or (from a worker that failed outside
   * the handler) plain text, shown as a {@code server_error} with that text.
   */
  static JsonNode read(String stored, ObjectMapper json) {
    try {
      JsonNode node = json.readTree(stored);
      if (node != null && node.isObject()) {
        return node;
      }
    } catch (JsonProcessingException e) {
      // plain text: wrapped below
    }
    return json.createObjectNode()
        .put("code", "server_error")
        .put("message", stored)
        .putNull("param");
  }

  /** A job that cannot go on, with the {@code error} object it fails with. */
  static final class Failure extends Exception {
    private final String code;
    private final String param;

    Failure(String code, String message, String param) {
      super(message);
      this.code = code;
      this.param = param;
    }

    /** The error object as JSON text. */
    String toJson(ObjectMapper json) {
      return of(code, getMessage(), param, json);
    }
  }
}
