package dev.lathe.server.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.GgufExport;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Lathe's extension of a fine-tuning job request, the top-level object {@code "lathe"} (OpenAI has
 * no such field; its SDKs send it as an extra body property). Each key is optional:
 *
 * <ul>
 *   <li>{@code "early_stopping_patience": N}: with a validation file, training stops after N epochs
 *       in a row without a lower whole-validation loss (0: never). A job that gives none trains
 *       with the server's default (its config's {@code job_defaults}, else {@link
 *       FineTuneOptions#DEFAULT_EARLY_STOPPING_PATIENCE}).
 *   <li>{@code "gguf": "f16"} (or {@code q8_0}, {@code q4_0}, {@code bf16}, {@code f32}): a
 *       succeeded job also exports its fine-tuned model (merged over its base) as one GGUF file for
 *       llama.cpp and Ollama, stored as a {@code fine-tune-results} File named by the job's {@code
 *       lathe_gguf}.
 * </ul>
 *
 * An unknown key or a bad value is refused by name.
 *
 * @param earlyStoppingPatience epochs without improvement before stopping (0 never stops early), or
 *     null for the server's default
 * @param gguf the GGUF type to export the fine-tuned model as, or null for no export
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LatheJobOptions(
    @JsonProperty("early_stopping_patience") Integer earlyStoppingPatience,
    @JsonProperty("gguf") String gguf) {

  /** The most epochs a patience may wait. */
  static final int MAX_PATIENCE = 100;

  private static final Set<String> KEYS = Set.of("early_stopping_patience", "gguf");

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
      if (!KEYS.contains(key)) {
        throw ApiException.invalid(
            "Unrecognized field 'lathe."
                + key
                + "'; the known ones are 'early_stopping_patience' and 'gguf'.",
            "lathe." + key);
      }
    }
    Integer patience = null;
    if (JsonBody.present(lathe, "early_stopping_patience")) {
      try {
        patience =
            JsonBody.integer(
                lathe,
                "early_stopping_patience",
                FineTuneOptions.DEFAULT_EARLY_STOPPING_PATIENCE,
                0,
                MAX_PATIENCE);
      } catch (ApiException e) {
        throw ApiException.invalid(
            e.getMessage().replace("'early_stopping_patience'", "'lathe.early_stopping_patience'"),
            "lathe.early_stopping_patience");
      }
    }
    String gguf = null;
    if (JsonBody.present(lathe, "gguf")) {
      JsonNode type = lathe.get("gguf");
      String name = type.isTextual() ? type.asText().toLowerCase(Locale.ROOT) : null;
      if (name == null || !GgufExport.TYPES.containsKey(name)) {
        throw ApiException.invalid(
            "Invalid 'lathe.gguf': "
                + type
                + " is not a GGUF type Lathe writes; use one of "
                + new TreeSet<>(GgufExport.TYPES.keySet())
                + " (f16 keeps the weights nearly exact, q8_0 is about half the size, q4_0 about"
                + " a quarter).",
            "lathe.gguf");
      }
      gguf = name;
    }
    return patience == null && gguf == null ? null : new LatheJobOptions(patience, gguf);
  }
}
