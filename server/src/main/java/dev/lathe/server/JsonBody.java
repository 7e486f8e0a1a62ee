package dev.lathe.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

/** A request's JSON object body, or a 400/415 that says what is wrong with it. */
final class JsonBody {
  private JsonBody() {}

  static JsonNode object(Context ctx, ObjectMapper json) {
    String type = ctx.contentType();
    if (type != null && !type.toLowerCase().startsWith("application/json")) {
      throw new ApiException(
          415,
          "invalid_request_error",
          "Unsupported content type '" + type + "': send the body as application/json.",
          null,
          null);
    }
    String text = ctx.body();
    if (text.isBlank()) {
      throw ApiException.invalid(
          "The request body is empty: send a JSON object (see the API reference).", null);
    }
    JsonNode body;
    try {
      body = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiException.invalid(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
              + " using your HTTP library correctly. The OpenAI API expects a JSON payload.) "
              + e.getOriginalMessage(),
          null);
    }
    if (body == null || !body.isObject()) {
      throw ApiException.invalid("The request body must be a JSON object.", null);
    }
    return body;
  }

  /** A required string field. */
  static String requiredString(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid("Missing required parameter: '" + field + "'.", field);
    }
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw ApiException.invalid(
          "Invalid type for '"
              + field
              + "': expected a non-empty string, but got "
              + SamplingFields.kind(v)
              + ".",
          field);
    }
    return v.asText();
  }
}
