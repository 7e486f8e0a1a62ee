package dev.lathe.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;

/**
 * A request's JSON object body, or a 400/415 that says what is wrong with it, and its fields read
 * one by one: a wrong type or range is a 400 naming the field.
 */
public final class JsonBody {
  private JsonBody() {}

  public static JsonNode object(Context ctx, ObjectMapper json) {
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

  /** A 400 for the first field of {@code body} not in {@code known}, in OpenAI's wording. */
  public static void refuseUnknown(JsonNode body, java.util.Set<String> known) {
    body.fieldNames()
        .forEachRemaining(
            name -> {
              if (!known.contains(name)) {
                throw unrecognized(name);
              }
            });
  }

  /** OpenAI's answer to a field its reference does not have: {@code param} names it. */
  public static ApiException unrecognized(String name) {
    return ApiException.invalid("Unrecognized request argument supplied: " + name, name);
  }

  /** A required string field. */
  public static String requiredString(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid("Missing required parameter: '" + field + "'.", field);
    }
    if (!v.isTextual() || v.asText().isEmpty()) {
      throw ApiException.invalid(
          "Invalid type for '" + field + "': expected a non-empty string, but got " + kind(v) + ".",
          field);
    }
    return v.asText();
  }

  /** Whether {@code field} is given and not null (null means "default", as in OpenAI's API). */
  public static boolean present(JsonNode body, String field) {
    return body.has(field) && !body.get(field).isNull();
  }

  public static double number(
      JsonNode body, String field, double fallback, double min, double max) {
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

  public static int integer(JsonNode body, String field, int fallback, int min, int max) {
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

  public static boolean bool(JsonNode body, String field, boolean fallback) {
    return bool(body, field, fallback, field);
  }

  public static boolean bool(JsonNode body, String field, boolean fallback, String param) {
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

  public static String kind(JsonNode v) {
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
