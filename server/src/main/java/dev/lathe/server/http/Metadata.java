package dev.lathe.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's {@code metadata} field: at most {@value #MAX_PAIRS} string pairs, keys of at most
 * {@value #MAX_KEY} characters and values of at most {@value #MAX_VALUE}; anything else is a 400
 * naming the field (or the offending key).
 */
public final class Metadata {
  public static final int MAX_PAIRS = 16;
  public static final int MAX_KEY = 64;
  public static final int MAX_VALUE = 512;

  private Metadata() {}

  /**
   * The pairs of {@code body.field} in their order, or empty when the field is absent or null (as
   * OpenAI reads a null: no metadata).
   */
  public static Optional<Map<String, String>> read(JsonNode body, String field) {
    if (!JsonBody.present(body, field)) {
      return Optional.empty();
    }
    JsonNode m = body.get(field);
    if (!m.isObject() || m.size() > MAX_PAIRS) {
      throw ApiException.invalid(
          "Invalid '"
              + field
              + "': expected an object with at most "
              + MAX_PAIRS
              + " string values.",
          field);
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      pairs.put(e.getKey(), checked(field, e.getKey(), e.getValue()));
    }
    return Optional.of(Collections.unmodifiableMap(pairs));
  }

  /** One pair's value, or a 400 naming {@code field.key} when the pair breaks a limit. */
  public static String checked(String field, String key, JsonNode value) {
    if (key.length() > MAX_KEY || !value.isTextual() || value.asText().length() > MAX_VALUE) {
      throw ApiException.invalid(
          "Invalid '"
              + field
              + "."
              + key
              + "': keys are at most "
              + MAX_KEY
              + " characters and values strings of at most "
              + MAX_VALUE
              + ".",
          field + "." + key);
    }
    return value.asText();
  }
}
