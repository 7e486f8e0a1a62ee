package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Strict JSON parsing of model output: exactly one RFC 8259 value (any type), surrounded by
 * whitespace only; no comments, single quotes, NaN or trailing commas; duplicate keys refused.
 */
final class JsonText {
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonParser.Feature.ALLOW_COMMENTS)
          .build();

  private JsonText() {}

  /** What parsing {@code text} gave: the value, or why it is not JSON. */
  record Parsed(JsonNode value, String problem) {}

  static Parsed parse(String text) {
    if (text.isBlank()) {
      return new Parsed(null, "it is empty");
    }
    try {
      return new Parsed(STRICT.readTree(text), null);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      String where =
          loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      return new Parsed(null, e.getOriginalMessage() + where);
    }
  }
}
