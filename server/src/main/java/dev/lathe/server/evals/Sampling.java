package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import java.util.Set;

/**
 * A {@code completions} run's {@code sampling_params}: temperature, top_p, max_completion_tokens,
 * seed, and response_format and tools as chat completions take them (checked there, item by item).
 * {@code reasoning_effort} and any other field are refused by name.
 */
record Sampling(
    Double temperature,
    Double topP,
    Integer maxCompletionTokens,
    Long seed,
    JsonNode responseFormat,
    JsonNode tools) {

  static final Sampling DEFAULTS = new Sampling(null, null, null, null, null, null);

  static Sampling read(JsonNode params, String at) {
    if (params == null || params.isNull()) {
      return DEFAULTS;
    }
    if (!params.isObject()) {
      throw ApiException.invalid("Invalid type for '" + at + "': expected an object.", at);
    }
    if (params.has("reasoning_effort")) {
      throw ApiException.invalid(
          "'"
              + at
              + ".reasoning_effort' is not supported: Lathe's models do not reason in hidden"
              + " tokens; leave it out.",
          at + ".reasoning_effort");
    }
    EvalDefinition.refuse(
        params,
        Set.of("temperature", "top_p", "max_completion_tokens", "seed", "response_format", "tools"),
        at);
    try {
      return new Sampling(
          JsonBody.present(params, "temperature")
              ? JsonBody.number(params, "temperature", 1, 0, 2)
              : null,
          JsonBody.present(params, "top_p") ? JsonBody.number(params, "top_p", 1, 0, 1) : null,
          JsonBody.present(params, "max_completion_tokens")
              ? JsonBody.integer(params, "max_completion_tokens", 1, 1, Integer.MAX_VALUE)
              : null,
          JsonBody.present(params, "seed") ? seed(params.get("seed")) : null,
          params.get("response_format"),
          params.get("tools"));
    } catch (ApiException e) {
      throw ApiException.invalid(
          e.getMessage().replace("'" + e.param() + "'", "'" + at + "." + e.param() + "'"),
          at + "." + e.param());
    }
  }

  private static long seed(JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.invalid("Invalid type for 'seed': expected an integer.", "seed");
    }
    return v.asLong();
  }

  /** The sampling fields of a chat completions request body. */
  void into(ObjectNode body, long defaultSeed) {
    if (temperature != null) {
      body.put("temperature", temperature);
    }
    if (topP != null) {
      body.put("top_p", topP);
    }
    if (maxCompletionTokens != null) {
      body.put("max_completion_tokens", maxCompletionTokens);
    }
    body.put("seed", seed != null ? seed : defaultSeed);
    if (responseFormat != null && !responseFormat.isNull()) {
      body.set("response_format", responseFormat);
    }
    if (tools != null && !tools.isNull()) {
      body.set("tools", tools);
    }
  }
}
