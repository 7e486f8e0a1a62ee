package dev.lathe.server.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.IssueCode;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.finetune.UntrainableDataException;
import dev.lathe.finetune.WrongFormatException;
import java.util.List;

/**
 * The {@code error} object of a failed {@code fine_tuning.job}, in OpenAI's wording where it is
 * known. The job queue stores it as text ({@link #toJson}, the JSON object {@code {code, message,
 * param}}); {@link #read} turns that text back into this record.
 *
 * @param code e.g. {@code invalid_training_file}, {@code model_not_available}, {@code server_error}
 * @param message what went wrong and how to fix it
 * @param param the request field at fault, or null
 */
public record JobError(String code, String message, String param) {

  /**
   * Lathe's code for a run that diverged again after its rollbacks (a non-finite or spiking loss;
   * see {@link dev.lathe.finetune.DivergedException}); OpenAI has no such code.
   */
  public static final String TRAINING_DIVERGED = "training_diverged";

  /** How many of a report's errors a job error names. */
  static final int FIRST_PROBLEMS = 3;

  /**
   * {@code invalid_training_file} / {@code invalid_validation_file} naming the report's first
   * errors with their line, or null when the report has no error (a validation file's only error
   * being fewer than 10 examples counts as none).
   *
   * @param param {@code training_file} or {@code validation_file}
   */
  public static JobError invalidFile(ValidationReport report, String param) {
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
    return new JobError("invalid_" + param, message.toString().strip(), param);
  }

  /**
   * {@code invalid_training_file} (or {@code invalid_validation_file}) for a file whose format the
   * job's method cannot train on, e.g. a chat file given to a DPO job, in OpenAI's words (the
   * trailing space included).
   */
  public static JobError wrongFormat(
      String fileId, DatasetFormat format, String method, String param) {
    return new JobError(
        "invalid_" + param,
        "The job failed due to an invalid "
            + param.replace('_', ' ')
            + ". "
            + WrongFormatException.message(fileId, format, method)
            + " ",
        param);
  }

  /**
   * {@code invalid_training_file} (or {@code invalid_validation_file}) for a valid file that cannot
   * train the model: no example trains a token, or the end-of-turn token is not trained (see {@link
   * dev.lathe.finetune.TrainingPreflight}); the message names the lines and the fix.
   */
  public static JobError untrainable(UntrainableDataException e) {
    String param = e.field().wireName();
    return new JobError(
        "invalid_" + param,
        "The job failed due to an invalid " + param.replace('_', ' ') + ". " + e.detail(),
        param);
  }

  /** {@code server_error} with {@code message}. */
  public static JobError serverError(String message) {
    return new JobError("server_error", message, null);
  }

  /** The error object as JSON text, as the job queue stores it. */
  public String toJson(ObjectMapper json) {
    try {
      return json.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a stored error: the JSON object {@link #toJson} writes, or (from a worker that failed
   * outside the handler) plain text, shown as a {@code server_error} with that text.
   */
  public static JobError read(String stored, ObjectMapper json) {
    try {
      JsonNode node = json.readTree(stored);
      if (node != null && node.isObject()) {
        return new JobError(
            node.path("code").asText(null),
            node.path("message").asText(null),
            node.path("param").asText(null));
      }
    } catch (JsonProcessingException e) {
      // plain text: wrapped below
    }
    return serverError(stored);
  }

  /** A job that cannot go on, with the {@link JobError} it fails with. */
  public static final class Failure extends Exception {
    private final transient JobError error;

    public Failure(String code, String message, String param) {
      super(message);
      this.error = new JobError(code, message, param);
    }

    /** The error the job fails with. */
    public JobError error() {
      return error;
    }

    /** The error object as JSON text. */
    public String toJson(ObjectMapper json) {
      return error.toJson(json);
    }
  }
}
