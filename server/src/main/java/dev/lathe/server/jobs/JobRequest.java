package dev.lathe.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.StoredFile;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * The fields of a fine-tuning job request ({@code POST /v1/fine_tuning/jobs}), each checked with a
 * 400 naming the field, in the order job creation checks them: the model, the method and its
 * hyperparameters, suffix, seed, metadata, then the training and validation files. Job creation and
 * {@link dev.lathe.server.preview.TrainingEstimates} read a request through this one piece, so both
 * accept and refuse the same requests with the same messages. {@link #stored} is what a created job
 * keeps: the {@link FineTuneRequest} its worker reads.
 *
 * @param base the model as the registry resolved it
 * @param methodType {@code supervised} or {@code dpo}
 * @param hyperparameters the method's hyperparameters, {@code "auto"} where not given
 * @param suffix the model name suffix, or null
 * @param seed the given seed, or one drawn from the server's seeds
 * @param metadata the metadata object, or a JSON null
 * @param training the training file
 * @param validation the validation file, or null
 * @param lathe Lathe's extension options (top-level {@code "lathe"}), or null when not given
 */
public record JobRequest(
    ModelRegistry.Resolved base,
    String methodType,
    RequestedHyperparameters hyperparameters,
    String suffix,
    long seed,
    JsonNode metadata,
    StoredFile training,
    StoredFile validation,
    LatheJobOptions lathe) {

  /** Reads and checks {@code body} for {@code caller}. */
  public static JobRequest read(
      JsonNode body,
      Caller caller,
      ModelRegistry models,
      FileRoutes files,
      ObjectMapper json,
      LongSupplier seeds) {
    String model = JsonBody.requiredString(body, "model");
    ModelRegistry.Resolved base =
        models
            .resolve(model, caller)
            .orElseThrow(
                () ->
                    ApiException.invalid(
                        "Model " + model + " is not available for fine-tuning or does not exist.",
                        "model"));
    // the request's own shape first, then the objects it refers to
    String methodType = JobHyperparameters.methodType(body);
    RequestedHyperparameters hyper = JobHyperparameters.read(body);
    String suffix = suffix(body);
    long seed = seed(body, seeds);
    JsonNode metadata = JobHyperparameters.metadata(body, json);
    LatheJobOptions lathe = LatheJobOptions.read(body);
    StoredFile training = trainingFile(body, "training_file", caller, files, true);
    StoredFile validation = trainingFile(body, "validation_file", caller, files, false);
    return new JobRequest(
        base, methodType, hyper, suffix, seed, metadata, training, validation, lathe);
  }

  /** The request a job created from this one stores. */
  FineTuneRequest stored(ObjectMapper json) {
    return FineTuneRequest.of(
        base.id(),
        training.id(),
        validation == null ? null : validation.id(),
        suffix,
        seed,
        hyperparameters,
        metadata,
        lathe,
        json);
  }

  /**
   * The job error for the first problems of the request's files (their stored validation reports,
   * or a format the method cannot train on); null when they have none.
   */
  public JobError fileProblems(ObjectMapper json) throws IOException {
    JobError problem = firstProblems(training, "training_file", methodType, json);
    if (problem == null && validation != null) {
      problem = firstProblems(validation, "validation_file", methodType, json);
    }
    return problem;
  }

  /**
   * The job error for {@code file}'s first validation errors, or for a format the method cannot
   * train on (a chat file given to a DPO job, or the reverse); null when it has none.
   */
  private static JobError firstProblems(
      StoredFile file, String param, String methodType, ObjectMapper json) throws IOException {
    if (file.validation() == null) {
      return null;
    }
    ValidationReport report = json.readValue(file.validation(), ValidationReport.class);
    JobError errors = JobError.invalidFile(report, param);
    DatasetFormat format = report.format();
    boolean preference = format == DatasetFormat.PREFERENCE;
    if (errors == null && format != null && preference != methodType.equals("dpo")) {
      return JobError.wrongFormat(file.id(), format, methodType, param);
    }
    return errors;
  }

  private static StoredFile trainingFile(
      JsonNode body, String field, Caller caller, FileRoutes files, boolean required) {
    if (!required && !JsonBody.present(body, field)) {
      return null;
    }
    String id = JsonBody.requiredString(body, field);
    StoredFile file;
    try {
      file = files.require(id, caller);
    } catch (ApiException e) {
      throw ApiException.invalid("Invalid file ID '" + id + "': no such file.", field);
    }
    if (!file.purpose().equals("fine-tune")) {
      throw ApiException.invalid(
          "File "
              + id
              + " has purpose '"
              + file.purpose()
              + "'; upload it with purpose"
              + " 'fine-tune'.",
          field);
    }
    return file;
  }

  private static String suffix(JsonNode body) {
    if (!JsonBody.present(body, "suffix")) {
      return null;
    }
    JsonNode s = body.get("suffix");
    if (!s.isTextual() || s.asText().isEmpty() || s.asText().length() > 64) {
      throw ApiException.invalid(
          "Invalid 'suffix': expected a string of 1 to 64 characters.", "suffix");
    }
    if (!s.asText().matches("[A-Za-z0-9_.-]+")) {
      throw ApiException.invalid(
          "Invalid 'suffix': use letters, digits, '-', '_' or '.' (it becomes part of a model"
              + " name).",
          "suffix");
    }
    return s.asText();
  }

  private static long seed(JsonNode body, LongSupplier seeds) {
    if (!JsonBody.present(body, "seed")) {
      return Math.floorMod(seeds.getAsLong(), 2147483648L);
    }
    return JsonBody.integer(body, "seed", 0, 0, Integer.MAX_VALUE);
  }
}
