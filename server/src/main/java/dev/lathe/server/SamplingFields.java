package dev.lathe.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The sampling fields chat and legacy completions share, read from a request body and checked field
 * by field: a wrong type or range is a 400 naming the field.
 *
 * @param sampling temperature, top_p, penalties, seed, top_logprobs
 * @param maxTokens the completion budget ({@link GenerationRequest#UNLIMITED} when absent)
 * @param stop stop strings (0-4)
 * @param logprobs whether per-token log-probabilities were asked for
 * @param n completions per prompt
 * @param stream whether to answer as server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 */
record SamplingFields(
    SamplingParams sampling,
    int maxTokens,
    List<String> stop,
    boolean logprobs,
    int n,
    boolean stream,
    boolean includeUsage) {

  /** Most completions per request (OpenAI's limit). */
  static final int MAX_N = 128;

  /** Reads the fields; {@code defaultMaxTokens} applies when no limit is given. */
  static SamplingFields read(JsonNode body, int defaultMaxTokens, boolean chat) {
    double temperature = number(body, "temperature", 1.0, 0, 2);
    double topP = number(body, "top_p", 1.0, 0, 1);
    if (topP == 0) {
      topP = Double.MIN_VALUE; // OpenAI accepts 0: only the most likely token survives
    }
    double frequency = number(body, "frequency_penalty", 0, -2, 2);
    double presence = number(body, "presence_penalty", 0, -2, 2);
    int n = integer(body, "n", 1, 1, MAX_N);
    int maxTokens = defaultMaxTokens;
    if (chat && present(body, "max_completion_tokens")) {
      maxTokens = integer(body, "max_completion_tokens", 0, 1, Integer.MAX_VALUE);
    } else if (present(body, "max_tokens")) {
      maxTokens = integer(body, "max_tokens", 0, 1, Integer.MAX_VALUE);
    }
    OptionalLong seed = OptionalLong.empty();
    if (present(body, "seed")) {
      JsonNode s = body.get("seed");
      if (!s.isIntegralNumber() || !s.canConvertToLong()) {
        throw ApiException.invalid("Invalid type for 'seed': expected an integer.", "seed");
      }
      seed = OptionalLong.of(s.asLong());
    }
    boolean logprobs;
    int topLogprobs;
    if (chat) {
      logprobs = bool(body, "logprobs", false);
      topLogprobs = integer(body, "top_logprobs", 0, 0, SamplingParams.MAX_TOP_LOGPROBS);
      if (present(body, "top_logprobs") && !logprobs) {
        throw ApiException.invalid(
            "'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
      }
    } else {
      topLogprobs = integer(body, "logprobs", 0, 0, 5);
      logprobs = present(body, "logprobs");
    }
    boolean stream = bool(body, "stream", false);
    boolean includeUsage = false;
    if (present(body, "stream_options")) {
      JsonNode options = body.get("stream_options");
      if (!options.isObject()) {
        throw ApiException.invalid(
            "Invalid type for 'stream_options': expected an object.", "stream_options");
      }
      if (!stream) {
        throw ApiException.invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "stream_options");
      }
      includeUsage = bool(options, "include_usage", false, "stream_options.include_usage");
    }
    SamplingParams sampling =
        new SamplingParams(temperature, topP, 0, 0.0, frequency, presence, seed, topLogprobs);
    return new SamplingFields(sampling, maxTokens, stop(body), logprobs, n, stream, includeUsage);
  }

  /** The request for completion {@code index} of {@code n}: seeds advance per choice. */
  GenerationRequest request(int index, java.util.Set<Integer> stopIds, List<String> extraStops) {
    SamplingParams s = sampling;
    if (s.seed().isPresent() && index > 0) {
      s = s.withSeed(s.seed().getAsLong() + index);
    }
    List<String> stops = new ArrayList<>(stop);
    stops.addAll(extraStops);
    return new GenerationRequest(s, maxTokens, stops, stopIds, logprobs);
  }

  private static List<String> stop(JsonNode body) {
    if (!present(body, "stop")) {
      return List.of();
    }
    JsonNode stop = body.get("stop");
    List<String> out = new ArrayList<>();
    if (stop.isTextual()) {
      out.add(stop.asText());
    } else if (stop.isArray()) {
      if (stop.size() > 4) {
        throw ApiException.invalid(
            "Invalid 'stop': array too long. Expected at most 4 stop sequences, got "
                + stop.size()
                + ".",
            "stop");
      }
      for (JsonNode s : stop) {
        if (!s.isTextual()) {
          throw ApiException.invalid(
              "Invalid type for 'stop': expected a string or an array of strings.", "stop");
        }
        out.add(s.asText());
      }
    } else {
      throw ApiException.invalid(
          "Invalid type for 'stop': expected a string or an array of strings.", "stop");
    }
    for (String s : out) {
      if (s.isEmpty()) {
        throw ApiException.invalid("Invalid 'stop': stop sequences must not be empty.", "stop");
      }
    }
    return out;
  }

  /** Whether {@code field} is given and not null (null means "default", as in OpenAI's API). */
  static boolean present(JsonNode body, String field) {
    return body.has(field) && !body.get(field).isNull();
  }

  static double number(JsonNode body, String field, double fallback, double min, double max) {
    if (!present(body, field)) {
      return fallback;
    }
    JsonNode v = body.get(field);
    if (!v.isNumber()) {
      throw ApiException.invalid(
          "Invalid type for '" + field + "': expected a number, but got " + kind(v) + ".", field);
    }
    double d = v.asDouble();
    if (!(d >= min && d <= max)) {
      throw ApiException.invalid(
          "Invalid '"
              + field
              + "': "
              + v
              + " is out of range; expected a value between "
              + min
              + " and "
              + max
              + ".",
          field);
    }
    return d;
  }

  static int integer(JsonNode body, String field, int fallback, int min, int max) {
    if (!present(body, field)) {
      return fallback;
    }
    JsonNode v = body.get(field);
    if (!v.isIntegralNumber()) {
      throw ApiException.invalid(
          "Invalid type for '" + field + "': expected an integer, but got " + kind(v) + ".", field);
    }
    if (!v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw ApiException.invalid(
          "Invalid '"
              + field
              + "': "
              + v
              + " is out of range; expected an integer between "
              + min
              + " and "
              + max
              + ".",
          field);
    }
    return v.asInt();
  }

  static boolean bool(JsonNode body, String field, boolean fallback) {
    return bool(body, field, fallback, field);
  }

  private static boolean bool(JsonNode body, String field, boolean fallback, String param) {
    if (!present(body, field)) {
      return fallback;
    }
    JsonNode v = body.get(field);
    if (!v.isBoolean()) {
      throw ApiException.invalid(
          "Invalid type for '" + param + "': expected a boolean, but got " + kind(v) + ".", param);
    }
    return v.asBoolean();
  }

  static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> v.isIntegralNumber() ? "an integer" : "a decimal";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> "null";
    };
  }
}
