package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.SamplingParams;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
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
public record SamplingFields(
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
    double temperature = JsonBody.number(body, "temperature", 1.0, 0, 2);
    double topP = JsonBody.number(body, "top_p", 1.0, 0, 1);
    if (topP == 0) {
      topP = Double.MIN_VALUE; // OpenAI accepts 0: only the most likely token survives
    }
    double frequency = JsonBody.number(body, "frequency_penalty", 0, -2, 2);
    double presence = JsonBody.number(body, "presence_penalty", 0, -2, 2);
    int n = JsonBody.integer(body, "n", 1, 1, MAX_N);
    int maxTokens = defaultMaxTokens;
    if (chat && JsonBody.present(body, "max_completion_tokens")) {
      maxTokens = JsonBody.integer(body, "max_completion_tokens", 0, 1, Integer.MAX_VALUE);
    } else if (JsonBody.present(body, "max_tokens")) {
      maxTokens = JsonBody.integer(body, "max_tokens", 0, 1, Integer.MAX_VALUE);
    }
    OptionalLong seed = OptionalLong.empty();
    if (JsonBody.present(body, "seed")) {
      JsonNode s = body.get("seed");
      if (!s.isIntegralNumber() || !s.canConvertToLong()) {
        throw ApiException.invalid("Invalid type for 'seed': expected an integer.", "seed");
      }
      seed = OptionalLong.of(s.asLong());
    }
    boolean logprobs;
    int topLogprobs;
    if (chat) {
      logprobs = JsonBody.bool(body, "logprobs", false);
      topLogprobs = JsonBody.integer(body, "top_logprobs", 0, 0, SamplingParams.MAX_TOP_LOGPROBS);
      if (JsonBody.present(body, "top_logprobs") && !logprobs) {
        throw ApiException.invalid(
            "'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
      }
    } else {
      topLogprobs = JsonBody.integer(body, "logprobs", 0, 0, 5);
      logprobs = JsonBody.present(body, "logprobs");
    }
    boolean stream = JsonBody.bool(body, "stream", false);
    boolean includeUsage = false;
    if (JsonBody.present(body, "stream_options")) {
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
      includeUsage = JsonBody.bool(options, "include_usage", false, "stream_options.include_usage");
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
    if (!JsonBody.present(body, "stop")) {
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
}
