package dev.lathe.server.jobs;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A fine-tuning job's request as the job row stores it (its payload column) and the worker reads it
 * back: {@link JobRequest} checks a {@code POST /v1/fine_tuning/jobs} body once, this record holds
 * the result. The JSON field names are OpenAI's (and those of the rows earlier versions wrote), so
 * every stored job stays readable.
 *
 * @param model the requested model (a base or a fine-tuned model of the project)
 * @param trainingFile the training file's id
 * @param validationFile the validation file's id, or null
 * @param suffix the model name suffix, or null
 * @param seed the job seed
 * @param method the method and its hyperparameters as requested
 * @param hyperparameters the deprecated top-level copy OpenAI fills for supervised jobs; null for
 *     DPO
 * @param metadata the metadata object, or a JSON null
 * @param integrations the integrations array (always empty here)
 * @param lathe Lathe's extension options ({@link LatheJobOptions}) as given, or null when the
 *     request had none (then not written, so rows stay as they were; the worker's defaults apply)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({
  "model",
  "training_file",
  "validation_file",
  "suffix",
  "seed",
  "method",
  "hyperparameters",
  "metadata",
  "integrations",
  "lathe"
})
public record FineTuneRequest(
    String model,
    @JsonProperty("training_file") String trainingFile,
    @JsonProperty("validation_file") String validationFile,
    String suffix,
    long seed,
    Method method,
    RequestedHyperparameters hyperparameters,
    JsonNode metadata,
    JsonNode integrations,
    @JsonInclude(JsonInclude.Include.NON_NULL) LatheJobOptions lathe) {

  /** A row without a method (none is known, but it is cheap to read) is supervised. */
  public FineTuneRequest {
    if (method == null) {
      method =
          Method.of(
              hyperparameters != null
                  ? hyperparameters
                  : new RequestedHyperparameters(null, null, null, null, false));
    }
  }

  /** The request of a job created now: the deprecated top-level copy for supervised jobs only. */
  static FineTuneRequest of(
      String model,
      String trainingFile,
      String validationFile,
      String suffix,
      long seed,
      RequestedHyperparameters hyperparameters,
      JsonNode metadata,
      LatheJobOptions lathe,
      ObjectMapper json) {
    return new FineTuneRequest(
        model,
        trainingFile,
        validationFile,
        suffix,
        seed,
        Method.of(hyperparameters),
        hyperparameters.dpo() ? null : hyperparameters,
        metadata,
        json.createArrayNode(),
        lathe);
  }

  /** Reads a job row's payload. */
  public static FineTuneRequest read(String payload, ObjectMapper json)
      throws JsonProcessingException {
    return json.readValue(payload, FineTuneRequest.class);
  }

  /** This request as payload text. */
  public String toJson(ObjectMapper json) throws JsonProcessingException {
    return json.writeValueAsString(this);
  }

  /**
   * OpenAI's {@code method} object: {@code {"type": "supervised", "supervised": {"hyperparameters":
   * …}}} or the same with {@code dpo}.
   *
   * @param type {@code supervised} or {@code dpo}
   * @param supervised the supervised settings, or null
   * @param dpo the DPO settings, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Method(String type, Settings supervised, Settings dpo) {

    /** The method {@code hyperparameters} belong to. */
    public static Method of(RequestedHyperparameters hyperparameters) {
      Settings s = new Settings(hyperparameters);
      return hyperparameters.dpo() ? new Method("dpo", null, s) : new Method("supervised", s, null);
    }

    /** The hyperparameters of the method's type. */
    @JsonIgnore
    public RequestedHyperparameters requested() {
      Settings s = type.equals("dpo") ? dpo : supervised;
      return s != null && s.hyperparameters() != null
          ? s.hyperparameters()
          : new RequestedHyperparameters(null, null, null, null, type.equals("dpo"));
    }
  }

  /** A method's settings: its hyperparameters. */
  record Settings(RequestedHyperparameters hyperparameters) {}
}
