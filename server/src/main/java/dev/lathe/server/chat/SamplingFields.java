package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.SamplingParams;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

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
 * @param obfuscate {@code stream_options.include_obfuscation} (true unless turned off)
 */
public record SamplingFields(
    SamplingParams sampling,
    int maxTokens,
    List<String> stop,
    boolean logprobs,
    int n,
    boolean stream,
    boolean includeUsage,
    boolean obfuscate) {

  /** The keys {@code stream_options} may have. */
  private static final Set<String> STREAM_OPTIONS = Set.of("include_usage", "include_obfuscation");

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
    boolean obfuscate = true;
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
      options
          .fieldNames()
          .forEachRemaining(
              name -> {
                if (!STREAM_OPTIONS.contains(name)) {
                  throw JsonBody.unrecognized("stream_options." + name);
                }
              });
      includeUsage = JsonBody.bool(options, "include_usage", false, "stream_options.include_usage");
      obfuscate =
          JsonBody.bool(options, "include_obfuscation", true, "stream_options.include_obfuscation");
    }
    SamplingParams sampling =
        new SamplingParams(
            temperature, topP, 0, 0.0, frequency, presence, seed, topLogprobs, logitBias(body));
    return new SamplingFields(
        sampling, maxTokens, stop(body), logprobs, n, stream, includeUsage, obfuscate);
  }

  /**
   * A 400 naming {@code logit_bias} and the id when the bias names a token past the model's
   * vocabulary ({@code vocabulary} ids, those the tokenizer can decode).
   */
  void checkLogitBias(int vocabulary) {
    for (int id : sampling.logitBias().keySet()) {
      if (id >= vocabulary) {
        throw ApiException.invalid(
            "Invalid key in 'logit_bias': "
                + id
                + " is not a token id of this model; its vocabulary has ids 0 to "
                + (vocabulary - 1)
                + ".",
            "logit_bias");
      }
    }
  }

  /** {@code logit_bias}: token ids (as the object's keys) to numbers from -100 to 100. */
  private static Map<Integer, Double> logitBias(JsonNode body) {
    if (!JsonBody.present(body, "logit_bias")) {
      return Map.of();
    }
    JsonNode bias = body.get("logit_bias");
    if (!bias.isObject()) {
      throw ApiException.invalid(
          "Invalid type for 'logit_bias': expected an object mapping token ids to numbers, but got "
              + JsonBody.kind(bias)
              + ".",
          "logit_bias");
    }
    Map<Integer, Double> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = bias.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int id;
      try {
        id = Integer.parseInt(e.getKey());
      } catch (NumberFormatException notAnId) {
        id = -1;
      }
      if (id < 0 || !e.getKey().equals(Integer.toString(id))) {
        throw ApiException.invalid(
            "Invalid key in 'logit_bias': '" + e.getKey() + "' is not a token id.", "logit_bias");
      }
      JsonNode v = e.getValue();
      double max = SamplingParams.MAX_LOGIT_BIAS;
      if (!v.isNumber() || !(v.asDouble() >= -max && v.asDouble() <= max)) {
        throw ApiException.invalid(
            "Invalid value in 'logit_bias' for token "
                + id
                + ": "
                + v
                + ". Expected a number from -100 to 100.",
            "logit_bias");
      }
      out.put(id, v.asDouble());
    }
    return out;
  }

  /** The request for completion {@code index} of {@code n}: seeds advance per choice. */
  GenerationRequest request(int index, Set<Integer> stopIds, List<String> extraStops) {
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
