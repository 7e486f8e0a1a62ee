package dev.lathe.server.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import java.util.Iterator;

/**
 * Lathe's extension of a fine-tuning job request, the top-level object {@code "lathe"} (OpenAI has
 * no such field; its SDKs send it as an extra body property): {@code {"early_stopping_patience":
 * N}}, with a validation file, stops training after N epochs in a row without a lower
 * whole-validation loss (0: never). A job that gives none trains with the server's default (its
 * config's {@code job_defaults}, else {@link FineTuneOptions#DEFAULT_EARLY_STOPPING_PATIENCE}). An
 * unknown key or a bad value is refused by name.
 *
 * @param earlyStoppingPatience epochs without improvement before stopping; 0 never stops early
 */
public record LatheJobOptions(@JsonProperty("early_stopping_patience") int earlyStoppingPatience) {

  /** The most epochs a patience may wait. */
  static final int MAX_PATIENCE = 100;

  /**
   * Reads and checks {@code body.lathe}; null when absent or empty (the server's defaults apply).
   */
  static LatheJobOptions read(JsonNode body) {
    if (!JsonBody.present(body, "lathe")) {
      return null;
    }
    JsonNode lathe = body.get("lathe");
    if (!lathe.isObject()) {
      throw ApiException.invalid(
          "Invalid type for 'lathe': expected an object such as {\"early_stopping_patience\": 2},"
              + " but got "
              + JsonBody.kind(lathe)
              + ".",
          "lathe");
    }
    for (Iterator<String> keys = lathe.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.equals("early_stopping_patience")) {
        throw ApiException.invalid(
            "Unrecognized field 'lathe." + key + "'; the only one is 'early_stopping_patience'.",
            "lathe." + key);
      }
    }
    if (!JsonBody.present(lathe, "early_stopping_patience")) {
      return null;
    }
    try {
      return new LatheJobOptions(
          JsonBody.integer(
              lathe,
              "early_stopping_patience",
              FineTuneOptions.DEFAULT_EARLY_STOPPING_PATIENCE,
              0,
              MAX_PATIENCE));
    } catch (ApiException e) {
      throw ApiException.invalid(
          e.getMessage().replace("'early_stopping_patience'", "'lathe.early_stopping_patience'"),
          "lathe.early_stopping_patience");
    }
  }
}
